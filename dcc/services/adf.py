"""ADF/XML 1.0 (Auto-lead Data Format), the lead exchange format of lead providers, read safely.

defusedxml refuses a document type declaration outright (so no entity can be defined: no billion laughs, no
external entity reading a file or a URL) and the caller refuses a body over DCC_ADF_MAX_BYTES before parsing.
Only the fields an inquiry keeps are read:

    <adf><prospect>
      <id source="autohome">12345</id>                      platform's lead id (the one whose source is ours)
      <requestdate>2026-11-21T15:00:00+08:00</requestdate>  when the platform received it
      <vehicle><make>丰田</make><model>凯美瑞</model></vehicle>  model of interest, as text
      <customer><contact>
        <name part="last">王</name><name part="first">伟</name>  (or one <name part="full">)
        <phone>13800138000</phone><address><city>朝阳区</city></address>
      </contact><comments>想周末试驾</comments></customer>
    </prospect></adf>
"""

from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dealer_crm.core.models import Showroom


class AdfError(ValueError):
    """The body is not a readable ADF document (malformed, a forbidden construct, or not ADF at all)."""


@dataclass(frozen=True)
class AdfProspect:
    platform_lead_id: str
    customer_name: str
    phone: str
    city: str
    car_model_text: str
    message: str
    platform_received_at: datetime | None


def _text(element: Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return " ".join((found.text or "").split()) if found is not None else ""


def _name(contact: Element | None) -> str:
    """Chinese order, family name first and no space (王 + 伟 = 王伟); a full name as given."""
    if contact is None:
        return ""
    parts = {(name.get("part") or "full").lower(): " ".join((name.text or "").split()) for name in contact.iter("name")}
    if parts.get("full"):
        return parts["full"]
    return f"{parts.get('last', '')}{parts.get('first', '')}".strip()


def _lead_id(prospect: Element, source_code: str) -> str:
    ids = prospect.findall("id")
    ours = [element for element in ids if (element.get("source") or "").lower() == source_code.lower()]
    chosen = (ours or ids)[:1]
    return " ".join((chosen[0].text or "").split()) if chosen else ""


def _request_date(text: str, showroom: Showroom) -> datetime | None:
    """ISO 8601; a time without a zone is the showroom's. Raises ValidationError on anything else."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {
                "platform_received_at": [
                    _("%(element)s is not an ISO 8601 date and time.") % {"element": "<requestdate>"}
                ]
            }
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=showroom.zone)


def adf_parse(*, body: bytes, source_code: str, showroom: Showroom) -> AdfProspect:
    """The first prospect of an ADF document. AdfError when the XML cannot be read or is not ADF;
    ValidationError (by field) when a value is unreadable."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise AdfError(_("Refused: %(reason)s") % {"reason": type(error).__name__}) from None
    except ParseError as error:
        raise AdfError(_("Malformed XML: %(reason)s") % {"reason": error}) from None
    prospect = root.find("prospect") if root.tag == "adf" else None
    if prospect is None:
        raise AdfError(_("Not an ADF document: expected %(elements)s.") % {"elements": "<adf><prospect>"})
    contact = prospect.find("customer/contact")
    vehicle = prospect.find("vehicle")
    return AdfProspect(
        platform_lead_id=_lead_id(prospect, source_code),
        customer_name=_name(contact),
        phone=_text(contact, "phone"),
        city=_text(contact, "address/city"),
        car_model_text=" ".join(part for part in (_text(vehicle, "make"), _text(vehicle, "model")) if part),
        message=_text(prospect, "customer/comments"),
        platform_received_at=_request_date(_text(prospect, "requestdate"), showroom),
    )
