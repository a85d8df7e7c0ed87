"""The optional read replica (DATABASE_REPLICA_URL): which reads may go to it, and when they may not.

Reads go to the replica only inside an explicit scope: `on_replica()` (a Celery task's report build) or a view
decorated with `@reads_from_replica` (the dashboards, the workbook, the list exports). Everything else, and
every write, goes to the primary. Three things keep a scope on the primary:
- no replica configured (nothing changes at all);
- a browser that has just written (ReplicaPinMiddleware's signed cookie, REPLICA_PIN_SECONDS): it reads its own
  writes, which the replica may not have replayed yet;
- the replica not answering: the scope falls back to the primary and logs it; the replica is not tried again
  for REPLICA_RETRY_SECONDS, so a dead replica costs one short connect timeout, not one per request.
"""

import contextvars
import functools
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "replica_pin"
PIN_SALT = "dealer_crm.core.db_routing.pin"

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_replica", default=False)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_pinned", default=False)
_down_until = 0.0  # time.monotonic() before which the replica is not tried again


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _replica_answers() -> bool:
    """Connect (or health-check the kept connection); False, logged, when the replica does not answer."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_unusable_or_obsolete()  # drops a connection the replica closed (it was stopped)
        connection.ensure_connection()
    except DatabaseError:
        _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        logger.warning("Read replica unavailable; reading from the primary", exc_info=True)
        return False
    return True


@contextmanager
def on_replica():
    """Reads inside this block go to the replica when there is one, this browser has not just written, and
    the replica answers; otherwise to the primary."""
    use = replica_configured() and not _pinned.get() and _replica_answers()
    token = _reading_replica.set(use)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reads_from_replica(view):
    """The view's reads go to the replica (see on_replica); its writes still go to the primary."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with on_replica():
            return view(request, *args, **kwargs)

    return wrapper


@contextmanager
def pinned_to_primary():
    """Reads in this block go to the primary even in a replica scope (a browser that has just written)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class ReplicaRouter:
    """Reads in a replica scope go to the replica; everything else is left to the default (the primary)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading_replica.get() else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both: an object read from the replica may point to one from the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema through replication


class ReplicaPinMiddleware:
    """Read-your-writes: a request that changed something (POST, PUT, PATCH, DELETE answered below 400) gives
    the browser a signed cookie for REPLICA_PIN_SECONDS; requests carrying it read the primary everywhere.
    Without a replica it does nothing."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        pinned = request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
        )
        if pinned is None:
            response = self.get_response(request)
        else:
            with pinned_to_primary():
                response = self.get_response(request)
        if request.method in self.UNSAFE and response.status_code < 400:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
