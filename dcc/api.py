"""The intake API at /api/v1/: lead sources post inquiries as JSON or ADF/XML with their bearer token.

django-ninja builds the request and response schemas from the type hints below and serves them as OpenAPI 3 at
/api/v1/openapi.json (no docs page: its JavaScript would come from a CDN, and the app works offline).

Every answer is JSON. 201: a new inquiry; 200: the same platform lead id again, the first answer's body with
"replayed": true, nothing changed; 4xx: {"errors": [{"field": ..., "message": ...}, ...]} listing every problem
at once. The API authenticates by token, never by cookie, so it needs (and has) no CSRF check: ninja's views are
CSRF-exempt unless an operation uses cookie authentication, which none here does.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from .models import OnlineLead, SourceToken, Via
from .services.adf import AdfError, adf_parse
from .services.intake import online_lead_receive
from .services.ratelimit import rate_limit_hit
from .services.tokens import source_token_authenticate

# Text without NUL: PostgreSQL cannot store it, so it is refused here with the other field problems.
TEXT = r"^[^\x00]*$"
# dealer_crm.core.phones' two forms, with the optional country prefix it strips: the schema says exactly what the
# service takes, so that a client (and the fuzzer) can tell a valid number from the schema alone.
PHONE = r"^(\+86|0086)?(1[3-9][0-9]{9}|0[0-9]{9,11})$"


class LeadIn(Schema):
    platform_lead_id: str = Field(
        ..., min_length=1, max_length=100, pattern=TEXT, description="The platform's own id: the idempotency key."
    )
    customer_name: str = Field(..., min_length=1, max_length=50, pattern=TEXT)
    phone: str = Field(
        ..., pattern=PHONE, description="Mainland mobile (11 digits) or landline with area code, digits only."
    )
    city: str = Field("", max_length=50, pattern=TEXT, description="City or district.")
    car_model_text: str = Field("", max_length=100, pattern=TEXT, description="Model of interest, as sent.")
    message: str = Field("", max_length=4000, pattern=TEXT)
    platform_received_at: datetime | None = Field(None, description="When the platform received it, with its zone.")


class LeadOut(Schema):
    id: int = Field(..., description="The inquiry's id in the CRM.")
    lead_id: int
    attached: bool = Field(..., description="True: joined the customer's open lead; false: opened a new lead.")
    replayed: bool = Field(..., description="True: this platform lead id was received before; nothing changed.")
    platform_lead_id: str
    received_at: datetime
    response_due_at: datetime


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    errors: list[FieldError]


class PayloadTooLarge(Exception):
    pass


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


class SourceTokenAuth(HttpBearer):
    """The lead source's token; then the body's size and the token's rate, before the body is read."""

    def authenticate(self, request: HttpRequest, token: str) -> SourceToken | None:
        found = source_token_authenticate(raw=token)
        if found is None:
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DCC_MAX_BODY_BYTES:
            raise PayloadTooLarge
        # Keyed by the token's prefix (unique, random), not its id, which a fresh database hands out again.
        retry_after = rate_limit_hit(key=found.prefix, rate=settings.DCC_RATE_LIMIT)
        if retry_after is not None:
            raise RateLimited(retry_after)
        return found


api = NinjaAPI(
    title="Showroom CRM intake API",
    version="1",
    description="Online leads from the lead sources of one showroom (DCC).",
    urls_namespace="dcc_api",
    docs_url=None,
    auth=SourceTokenAuth(),
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def errors_response(request, status: int, errors: list[dict], **headers) -> HttpResponse:
    response = api.create_response(request, {"errors": errors}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        errors.append({"field": ".".join(location) or None, "message": error.get("msg", "")})
    return errors_response(request, 422, errors)


@api.exception_handler(DjangoValidationError)
def _refused(request, exc: DjangoValidationError):
    if not hasattr(exc, "error_dict"):
        return errors_response(request, 422, [{"field": None, "message": message} for message in exc.messages])
    return errors_response(
        request,
        422,
        [{"field": field, "message": message} for field, messages in exc.message_dict.items() for message in messages],
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    message = "Send a live lead-source token: Authorization: Bearer <token>."
    return errors_response(request, 401, [{"field": None, "message": message}], **{"WWW-Authenticate": "Bearer"})


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return errors_response(request, exc.status_code, [{"field": None, "message": exc.message}])


@api.exception_handler(PayloadTooLarge)
def _too_large(request, exc):
    message = f"The body is larger than {settings.DCC_MAX_BODY_BYTES} bytes."
    return errors_response(request, 413, [{"field": None, "message": message}])


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    message = f"Too many requests for this token (limit {settings.DCC_RATE_LIMIT}); retry in {exc.retry_after} s."
    return errors_response(request, 429, [{"field": None, "message": message}], **{"Retry-After": str(exc.retry_after)})


@api.exception_handler(AdfError)
def _bad_adf(request, exc: AdfError):
    return errors_response(request, 400, [{"field": None, "message": str(exc)}])


def _answer(inquiry: OnlineLead, created: bool):
    body = {
        "id": inquiry.pk,
        "lead_id": inquiry.lead_id,
        "attached": inquiry.attached,
        "replayed": not created,
        "platform_lead_id": inquiry.platform_lead_id,
        # In UTC, so that a replay (read back from the database) answers byte for byte like the first time.
        "received_at": inquiry.received_at.astimezone(UTC),
        "response_due_at": inquiry.response_due_at.astimezone(UTC),
    }
    return Status(201 if created else 200, body)


@api.post("/leads", response={201: LeadOut, 200: LeadOut, **ERRORS}, url_name="leads_receive")
def leads_receive(request, payload: LeadIn):
    """Receive one online inquiry as JSON."""
    inquiry, created = online_lead_receive(source=request.auth.source, via=Via.API, **payload.dict())
    return _answer(inquiry, created)


ADF_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/xml": {"schema": {"type": "string", "description": "An ADF/XML 1.0 document."}}},
    }
}


@api.post(
    "/leads/adf", response={201: LeadOut, 200: LeadOut, **ERRORS}, url_name="leads_receive_adf", openapi_extra=ADF_BODY
)
def leads_receive_adf(request):
    """Receive one online inquiry as an ADF/XML 1.0 document (the first <prospect>); no DTD, no entities."""
    body = request.read(settings.DCC_MAX_BODY_BYTES + 1)  # a body sent without its length is bounded too
    if len(body) > settings.DCC_MAX_BODY_BYTES:
        raise PayloadTooLarge
    source = request.auth.source
    if not body.strip():
        raise AdfError("The body is empty: send an ADF/XML document.")
    prospect = adf_parse(body=body, source_code=source.code, showroom=source.showroom)
    inquiry, created = online_lead_receive(source=source, via=Via.ADF, **prospect.__dict__)
    return _answer(inquiry, created)


def api_urls():
    """The API's URL patterns for `include()`, each marked login-not-required: the token is the login, and the
    site's LoginRequiredMiddleware would otherwise send a platform's request to the login page."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name == "openapi-json":
            pattern.callback = require_safe(pattern.callback)  # ninja answers any method with the schema
        login_not_required(pattern.callback)
    return patterns, app_name, namespace
