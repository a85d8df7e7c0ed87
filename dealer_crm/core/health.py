"""Health checks for /healthz. Each returns (ok, detail); apps add theirs as they land."""

from django.db import connection as default_connection


def database_health(connection=None) -> tuple[bool, str]:
    """Run SELECT 1 on `connection` (the default database unless one is given, e.g. by a test)."""
    connection = default_connection if connection is None else connection
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is "unhealthy", with the reason shown
        return False, f"{type(exc).__name__}: {exc}"
    return True, "ok"


CHECKS = {"database": database_health}
