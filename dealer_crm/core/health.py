"""Health checks for /healthz. Each returns (ok, detail); apps add theirs as they land."""

from django.db import connection


def database_health() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is "unhealthy", with the reason shown
        return False, f"{type(exc).__name__}: {exc}"
    return True, "ok"


CHECKS = {"database": database_health}
