"""The demo showroom's life after the order, for `manage.py seed_demo` (reports/management/commands).

Every ordered lead gets its contract (which opens the customer card), the car's VIN once allocated, a delivery
booked a week or two on; those whose day has come were handed over with the checklist and the customer's
signature, and their callbacks to the new owner made (a few still due), some telling a complaint the manager
followed to closure. All through the delivery services, each at the moment it happens (leads.demo.demo_clock),
so their rules (not booked in the past, slots free, VIN before handing over) hold as they would have then.
"""

import base64
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dealer_crm.core.clock import showroom_date_of
from dealer_crm.core.models import CarModel, Showroom, User
from leads.demo import demo_clock
from leads.models import Lead, LeadStatus

from .models import OPTIONAL_ITEMS, REQUIRED_ITEMS, Callback, Complaint, Contract, Delivery, PaymentMethod
from .selectors import delivery_settings_for, slot_times
from .services import (
    callback_record,
    complaint_add_action,
    complaint_close,
    complaint_open,
    contract_sign,
    contract_update,
    delivery_book,
    delivery_complete,
)
from .validators import VIN_ALPHABET

# Guide prices by brand (yuan), for a believable contract; the trim adds to it.
BASE_PRICES = {"丰田": 179_800, "本田": 169_800, "大众": 189_800, "比亚迪": 159_800, "吉利": 129_800}
TRIMS = [("舒适版", 0), ("豪华版", 15_000), ("旗舰版", 32_000)]
COLOURS = ["珍珠白", "曜石黑", "星光银", "海蓝", "熔岩红"]
SERVICE_ADVISORS = ["赵师傅", "孙经理", "钱顾问"]
# A car arrives one to two weeks after the order.
DELIVERY_AFTER_DAYS = (5, 12)
# A one-pixel PNG, as the signature canvas hands one over (the demo's customers sign with a dot).
SIGNATURE = (
    "data:image/png;base64,"
    + base64.b64encode(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        )
    ).decode()
)
CALLBACK_MADE_SHARE = 0.85  # of the callbacks that have come due; the rest wait on Today
COMPLAINT_SHARE = 0.2  # of the new owners reached
COMPLAINTS = ["车机蓝牙经常断开", "交车时承诺的脚垫还没给", "右后门有异响", "上牌进度没人通知"]
CALLBACK_REMARKS = ["车开着很满意", "问了首保时间", "介绍了一位朋友来看车", "对交车仪式很满意"]


class DeliveryStory:
    """The contracts, deliveries, callbacks and complaints of the demo showroom (see the module's docstring)."""

    def __init__(self, *, showroom: Showroom, manager: User, rng: random.Random, now: datetime):
        self.showroom, self.manager, self.rng, self.now = showroom, manager, rng, now
        self.zone = showroom.zone
        self.today = showroom_date_of(showroom, now)
        self.slots = slot_times(delivery_settings_for(showroom))
        self.taken: set[datetime] = set(Delivery.objects.filter(showroom=showroom).values_list("starts_at", flat=True))
        self.car_models = list(CarModel.objects.order_by("pk"))
        self.contracts = Contract.objects.filter(showroom=showroom).count()

    # --- the order ---------------------------------------------------------------------------------------------

    def sign(self, lead: Lead, moment: datetime) -> Contract:
        """The customer signs the contract (an open lead's order is recorded by contract_sign itself)."""
        rng = self.rng
        car_model = lead.car_models.first() or rng.choice(self.car_models)
        trim, extra = rng.choice(TRIMS)
        price = Decimal(BASE_PRICES.get(car_model.brand, 169_800) + extra - rng.randrange(0, 12_000, 1000))
        day = showroom_date_of(self.showroom, moment)
        self.contracts += 1
        payment = rng.choices(PaymentMethod.values, weights=[55, 43, 2])[0]
        with demo_clock(moment):
            return contract_sign(
                lead=lead,
                by=lead.owner,
                number=f"HT{day:%Y%m%d}{self.contracts:03d}",
                signed_on=day,
                car_model=car_model,
                trim=trim,
                colour=rng.choice(COLOURS),
                price=price,
                deposit=Decimal(rng.choice([5000, 10000, 20000])),
                payment_method=payment,
                trade_in=rng.random() < 0.2,
                insurance="人保 全险" if rng.random() < 0.6 else "",
                planned_delivery_date=day + timedelta(days=rng.randint(*DELIVERY_AFTER_DAYS)),
            )

    def sign_ordered_leads(self) -> None:
        """The customers who ordered on the spot at a visit sign their contract a quarter of an hour later."""
        for lead in Lead.objects.filter(showroom=self.showroom, status=LeadStatus.ORDERED, contracts=None):
            ordered_at = lead.contacts.filter(grade_after="O").order_by("occurred_at").first().occurred_at
            self.sign(lead, min(ordered_at + timedelta(minutes=15), self.now - timedelta(minutes=1)))

    # --- the car arrives, the customer collects it ---------------------------------------------------------------

    def deliver_all(self) -> None:
        contracts = Contract.objects.filter(showroom=self.showroom, status=Contract.Status.SIGNED, delivery=None)
        for contract in contracts.select_related("lead", "consultant").order_by("signed_on", "pk"):
            self.deliver(contract)

    def deliver(self, contract: Contract) -> Delivery:
        """The day after signing the car is allocated (its VIN goes on the contract) and the delivery booked on the
        planned day; if that slot's hour is over by now, the car was handed over then."""
        signed_at = datetime.combine(contract.signed_on, time(11), self.zone)
        booked_at = min(signed_at + timedelta(days=1), self.now - timedelta(minutes=1))
        starts_at = self._free_slot(max(contract.planned_delivery_date, showroom_date_of(self.showroom, booked_at)))
        with demo_clock(booked_at):
            contract = contract_update(
                contract=contract, by=contract.consultant, expected_version=contract.version, vin=self._vin()
            )
            delivery = delivery_book(
                contract=contract,
                by=contract.consultant,
                starts_at=starts_at,
                consultant=contract.consultant,
                service_advisor=self.rng.choice(SERVICE_ADVISORS),
                expected_version=None,  # a new booking
            )
        handed_over_at = starts_at + timedelta(minutes=50)
        if handed_over_at >= self.now:
            return delivery  # still to come: on the delivery week
        items = {item: True for item in REQUIRED_ITEMS} | {item: self.rng.random() < 0.7 for item in OPTIONAL_ITEMS}
        with demo_clock(handed_over_at):
            delivery = delivery_complete(
                delivery=delivery,
                by=contract.consultant,
                items=items,
                customer_signed_name=contract.lead.customer_name,
                signature=SIGNATURE,
                expected_version=delivery.version,
            )
        return delivery

    def book_upcoming(self, consultants: list[User]) -> None:
        """Each consultant has a delivery on the coming days' week: one without signs up their warmest lead now."""
        for consultant in consultants:
            if Delivery.objects.filter(consultant=consultant, status=Delivery.Status.BOOKED).exists():
                continue
            open_leads = Lead.objects.filter(showroom=self.showroom, owner=consultant, status=LeadStatus.OPEN).exclude(
                lost_requests__state="pending"
            )
            lead = next(
                (lead for grade in "HABC" for lead in open_leads.filter(grade=grade).order_by("-last_contact_at")[:1]),
                None,
            )
            if lead is None:
                continue
            moment = max(lead.last_contact_at + timedelta(minutes=1), self.now - timedelta(minutes=30))
            self.deliver(self.sign(lead, min(moment, self.now - timedelta(minutes=1))))

    def _free_slot(self, day: date) -> datetime:
        while True:
            for start in self.slots:
                moment = datetime.combine(day, start, self.zone)
                if moment not in self.taken:
                    self.taken.add(moment)
                    return moment
            day += timedelta(days=1)

    def _vin(self) -> str:
        alphabet = sorted(VIN_ALPHABET)
        return "LVG" + "".join(self.rng.choice(alphabet) for _ in range(14))

    # --- after the delivery ------------------------------------------------------------------------------------

    def make_callbacks(self) -> None:
        """The callbacks that have come due, in order: most made on their day, a few left for Today."""
        callbacks = Callback.objects.filter(showroom=self.showroom, status=Callback.Status.PENDING)
        for callback in callbacks.select_related("consultant").order_by("due_date", "delivery", "step"):
            if callback.due_date >= self.today or self.rng.random() > CALLBACK_MADE_SHARE:
                continue
            if Callback.objects.filter(
                delivery=callback.delivery_id, step__lt=callback.step, status="pending"
            ).exists():
                continue  # the earlier one was missed: the consultant catches up with that one first
            moment = datetime.combine(
                callback.due_date, time(10 + self.rng.randrange(7), self.rng.randrange(60)), self.zone
            )
            reached = self.rng.random() < 0.9
            with demo_clock(moment):
                callback_record(
                    callback=callback,
                    by=callback.consultant,
                    reached=reached,
                    satisfaction=self.rng.choice([4, 5, 5, 3]) if reached else None,
                    remarks=self.rng.choice(CALLBACK_REMARKS) if reached else "电话未接通",
                    complaint=self.rng.choice(COMPLAINTS) if reached and self.rng.random() < COMPLAINT_SHARE else "",
                )

    def follow_complaints(self) -> None:
        """Each complaint gets an action the next day; the manager closes the older half; at least one of each."""
        complaints = list(
            Complaint.objects.filter(showroom=self.showroom).select_related("owner").order_by("opened_at")
        )
        if len(complaints) < 2:
            delivered = Delivery.objects.filter(showroom=self.showroom, status=Delivery.Status.COMPLETED)
            for delivery in delivered.select_related("contract").order_by("-completed_at")[: 2 - len(complaints)]:
                with demo_clock(delivery.completed_at + timedelta(hours=2)):
                    complaints.append(
                        complaint_open(delivery=delivery, by=self.manager, description=self.rng.choice(COMPLAINTS))
                    )
        for index, complaint in enumerate(complaints):
            acted_at = min(complaint.opened_at + timedelta(days=1), self.now - timedelta(minutes=2))
            with demo_clock(acted_at):
                complaint_add_action(
                    complaint=complaint,
                    by=complaint.owner,
                    taken_on=showroom_date_of(self.showroom, acted_at),
                    description="已联系售后，约客户到店处理",
                )
            if index < len(complaints) // 2:
                with demo_clock(min(acted_at + timedelta(days=2), self.now - timedelta(minutes=1))):
                    complaint_close(complaint=complaint, by=self.manager, closing_note="已处理，客户回电确认满意")
