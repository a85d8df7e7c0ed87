import pytest

from dealer_crm.core import health


@pytest.fixture
def core_health_checks_only(monkeypatch):
    """/healthz with only core's own check (the database): apps register more checks of their own in
    AppConfig.ready(), and those are tested with their apps."""
    for name in list(health.CHECKS):
        if name != "database":
            monkeypatch.delitem(health.CHECKS, name)
    monkeypatch.setitem(health.CHECKS, "database", health.database_health)
