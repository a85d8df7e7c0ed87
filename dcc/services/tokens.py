"""The lead sources' API tokens: made once and shown once, kept as a hash, looked up by their prefix, revoked.

A token reads `dcc_1a2b3c4d` + `_` + 43 random characters. The first 12 characters (the prefix) are stored in
clear and indexed, so a request costs one indexed read; the whole token's sha256 is compared in constant time.
A random 256-bit secret needs no slow hash: nobody can guess it, and a leaked database gives no usable token.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from dealer_crm.core.models import User

from ..models import LeadSource, SourceToken

PREFIX_LENGTH = 12
# last_used_at is a hint for the admin ("is this token still used?"), written at most this often, so a busy
# platform does not cost a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def source_token_create(*, source: LeadSource, created_by: User, label: str = "") -> tuple[SourceToken, str]:
    """A new token of `source`: (the stored row, the token itself, which is shown once and never again)."""
    prefix = f"dcc_{secrets.token_hex(4)}"
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = SourceToken.objects.create(
        source=source,
        prefix=prefix,
        key_hash=_digest(raw),
        label=label,
        created_at=timezone.now(),
        created_by=created_by,
    )
    return token, raw


def source_token_authenticate(*, raw: str) -> SourceToken | None:
    """The live token `raw` is (not revoked, its source active), or None. Marks it used, at most once a minute."""
    if len(raw) <= PREFIX_LENGTH:
        return None
    token = (
        SourceToken.objects.select_related("source__showroom")
        .filter(prefix=raw[:PREFIX_LENGTH], revoked_at__isnull=True, source__active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        # Conditional, so that concurrent requests of one token write it once per minute between them.
        SourceToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY), pk=token.pk
        ).update(last_used_at=now)
    return token


def source_token_revoke(*, token: SourceToken) -> None:
    """Stop a token working from its next request on; kept, with when, for the record."""
    SourceToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
