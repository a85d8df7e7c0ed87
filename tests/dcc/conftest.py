import pytest

from dcc.models import LeadSource, Platform
from dcc.services.tokens import source_token_create


@pytest.fixture
def lead_source(showroom):
    return LeadSource.objects.create(showroom=showroom, code="autohome", name="汽车之家", platform=Platform.AUTOHOME)


@pytest.fixture
def api_token(lead_source, manager) -> str:
    """A live token of the showroom's Autohome source, as the platform holds it."""
    return source_token_create(source=lead_source, created_by=manager, label="test")[1]
