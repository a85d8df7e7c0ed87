"""The intake API over a real HTTP server (pytest-django's live server) with real tokens."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from dcc.models import LeadSource, OnlineLead, SourceToken
from dcc.services.tokens import source_token_revoke
from leads.models import Lead

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LEAD = {"platform_lead_id": "AH-1001", "customer_name": "赵女士", "phone": "13912345678", "city": "朝阳区"}

ADF = """<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf><prospect>
  <id sequence="1" source="dongchedi">X-9</id><id sequence="1" source="autohome">AH-2002</id>
  <requestdate>2026-11-21T15:00:00+08:00</requestdate>
  <vehicle interest="buy" status="new"><year>2026</year><make>丰田</make><model>凯美瑞</model></vehicle>
  <customer><contact><name part="last">王</name><name part="first">伟</name><phone>139-1234-0000</phone>
    <address><city>海淀区</city></address></contact><comments>想周末试驾</comments></customer>
</prospect></adf>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<adf><prospect><customer><contact><name>&lol3;</name><phone>13912340000</phone></contact></customer></prospect></adf>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE adf [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<adf><prospect><id>1</id><customer><contact><name>&secret;</name><phone>13912340000</phone></contact>
</customer></prospect></adf>"""


@pytest.fixture
def post(live_server, api_token):
    def send(path="/api/v1/leads", token=api_token, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(f"{live_server.url}{path}", headers=headers, timeout=10, **kwargs)

    return send


def errors_of(response) -> dict:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_a_lead_is_created_then_a_replay_answers_the_same_and_changes_nothing(post, manager):
    first = post(json=LEAD)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["replayed"] is False and body["attached"] is False
    again = post(json={**LEAD, "customer_name": "别人"})
    assert again.status_code == 200
    assert again.json() == {**body, "replayed": True}
    assert OnlineLead.objects.count() == Lead.objects.count() == 1
    assert SourceToken.objects.get().last_used_at is not None


def test_every_field_problem_comes_back_at_once(post, manager):
    response = post(json={"platform_lead_id": "", "customer_name": "赵", "phone": "123", "city": "x" * 60})
    assert response.status_code == 422
    assert set(errors_of(response)) == {"platform_lead_id", "phone", "city"}
    # The service's own refusals come in the same shape.
    response = post(json={**LEAD, "platform_received_at": "2026-11-21T15:00:00"})
    assert response.status_code == 422 and set(errors_of(response)) == {"platform_received_at"}
    assert not OnlineLead.objects.exists()


def test_malformed_json_is_a_400_with_a_json_body(post, manager):
    response = post(data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"]


@pytest.mark.parametrize("token", [None, "nonsense", "dcc_00000000_wrongwrongwrong"])
def test_no_or_a_wrong_token_is_refused(post, token):
    response = post(json=LEAD, token=token)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["errors"]


def test_a_revoked_token_and_a_switched_off_source_are_refused(post, api_token, manager):
    assert post(json=LEAD).status_code == 201
    LeadSource.objects.update(active=False)
    assert post(json={**LEAD, "platform_lead_id": "2"}).status_code == 401
    LeadSource.objects.update(active=True)
    source_token_revoke(token=SourceToken.objects.get())
    assert post(json={**LEAD, "platform_lead_id": "3"}).status_code == 401
    assert OnlineLead.objects.count() == 1


def test_the_rate_limit_answers_429_with_retry_after(post, manager, settings):
    settings.DCC_RATE_LIMIT = "3/minute"
    codes = [post(json={**LEAD, "platform_lead_id": f"R{n}"}).status_code for n in range(4)]
    assert codes[:3] == [201, 201, 201] and codes[3] == 429
    limited = post(json={**LEAD, "platform_lead_id": "R9"})
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 and limited.json()["errors"]
    assert OnlineLead.objects.count() == 3


def test_an_adf_document_is_mapped(post, manager):
    response = post("/api/v1/leads/adf", data=ADF.encode(), headers={"Content-Type": "application/xml"})
    assert response.status_code == 201, response.text
    inquiry = OnlineLead.objects.get()
    assert (inquiry.platform_lead_id, inquiry.customer_name, inquiry.phone) == ("AH-2002", "王伟", "13912340000")
    assert (inquiry.city, inquiry.car_model_text, inquiry.message) == ("海淀区", "丰田 凯美瑞", "想周末试驾")
    assert inquiry.platform_received_at.isoformat() == "2026-11-21T07:00:00+00:00"
    again = post("/api/v1/leads/adf", data=ADF.encode(), headers={"Content-Type": "application/xml"})
    assert again.status_code == 200 and again.json()["replayed"] is True


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<adf><prospect>", "Malformed XML"),
        (BILLION_LAUGHS.encode(), "DTDForbidden"),
        (XXE.encode(), "DTDForbidden"),
        (b"<html/>", "ADF"),
        (b"", "empty"),
    ],
)
def test_bad_or_hostile_xml_is_refused_with_the_reason(post, manager, body, message):
    # The API answers in the language the client asks for (Chinese, the product's default, when it asks none).
    headers = {"Content-Type": "application/xml", "Accept-Language": "en"}
    response = post("/api/v1/leads/adf", data=body, headers=headers)
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert not OnlineLead.objects.exists()


def test_an_oversized_body_is_413(post, manager, settings):
    settings.DCC_MAX_BODY_BYTES = 1024
    body = ADF.replace("想周末试驾", "长" * 2000).encode()
    response = post("/api/v1/leads/adf", data=body, headers={"Content-Type": "application/xml"})
    assert response.status_code == 413 and response.json()["errors"]
    assert not OnlineLead.objects.exists()


def test_the_openapi_schema_is_served(live_server):
    schema = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=10).json()
    assert schema["openapi"].startswith("3.") and {"/api/v1/leads", "/api/v1/leads/adf"} <= set(schema["paths"])


def test_concurrent_deliveries_of_one_lead_create_it_once(post, manager):
    """The live server answers each request in its own thread: the same platform id posted 6 times at once is
    created once and replayed 5 times; 6 different ids of one phone make one lead, the others attached to it."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(lambda _: post(json=LEAD).status_code, range(6)))
        assert codes == [200] * 5 + [201]
        answers = list(pool.map(lambda n: post(json={**LEAD, "platform_lead_id": f"P{n}"}).json(), range(6)))
    assert len({answer["lead_id"] for answer in answers}) == 1 and Lead.objects.count() == 1
    assert OnlineLead.objects.count() == 7 and OnlineLead.objects.filter(attached=False).count() == 1
