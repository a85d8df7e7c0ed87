import pytest

from dcc.services.tokens import source_token_create


@pytest.fixture
def api_token(lead_source, manager) -> str:
    """A live token of the showroom's Autohome source, as the platform holds it."""
    return source_token_create(source=lead_source, created_by=manager, label="test")[1]
