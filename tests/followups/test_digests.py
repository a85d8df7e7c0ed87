"""The daily e-mail digests: the consultant's due follow-ups and the manager's overdue summary, once a day each,
in the recipient's language. Mail goes to Django's locmem backend (mail.outbox) or a small real backend below."""

import struct
from datetime import date, timedelta
from pathlib import Path
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.test import override_settings
from django.utils import timezone, translation

from followups.models import DigestDelivery
from followups.services import DIGEST_CLAIM_TTL, digests_send
from tests.conftest import TODAY
from tests.factories import UserFactory
from tests.followups.conftest import local

DAY = timedelta(days=1)
WAITING = "These customers are waiting for your call today:"


def write_catalogue(folder: Path, language: str, translations: dict[str, str]) -> None:
    """A compiled gettext catalogue (GNU .mo, no hash table) for `language` under `folder`, written directly so
    the test needs no gettext tools."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **translations}.items())
    ids = [msgid.encode() for msgid, _ in entries]
    strs = [msgstr.encode() for _, msgstr in entries]
    start = 7 * 4 + 2 * 8 * len(entries)
    data, table = b"", []
    for text in ids + strs:
        table.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(entries), 7 * 4, 7 * 4 + 8 * len(entries), 0, 0)
    target = folder / translation.to_locale(language) / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.mo").write_bytes(header + b"".join(struct.pack("<2I", *row) for row in table) + data)


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses the addresses in `refused` and accepts every other one."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            bad = set(message.to) & self.refused
            if bad:
                raise SMTPRecipientsRefused({address: (550, b"mailbox unavailable") for address in bad})
        return super().send_messages(messages)


REFUSING = "tests.followups.test_digests.RefusingBackend"


@pytest.fixture
def staff(consultant, other_consultant, manager):
    """张伟 reads Chinese (the default), 李娜 and the manager 刘强 read English; all have e-mail."""
    for user, address, language in [
        (consultant, "zhang@example.com", "zh-hans"),
        (other_consultant, "li@example.com", "en"),
        (manager, "boss@example.com", "en"),
    ]:
        user.email, user.language = address, language
        user.save()
    return consultant, other_consultant, manager


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def test_each_consultant_with_due_leads_gets_one_email_listing_only_their_leads(lead_due, staff, showroom):
    zhang, li, _manager = staff
    lead_due(consultant=zhang, due=TODAY, grade="A", name="赵先生")
    lead_due(consultant=zhang, due=TODAY - DAY, grade="A", name="钱女士")
    lead_due(consultant=zhang, due=TODAY + DAY, grade="H", name="孙先生")  # tomorrow's: not in today's digest
    lead_due(consultant=li, due=TODAY, grade="B", name="周先生")
    idle = UserFactory(showroom=showroom, email="idle@example.com")  # nothing due: no e-mail
    busy_without_address = UserFactory(showroom=showroom)
    lead_due(consultant=busy_without_address, due=TODAY, grade="A", name="吴先生")

    assert digests_send() == 2

    assert sorted(message.to[0] for message in mail.outbox) == ["li@example.com", "zhang@example.com"]
    (to_zhang,) = sent_to("zhang@example.com")
    assert "赵先生" in to_zhang.body and "钱女士" in to_zhang.body
    assert "孙先生" not in to_zhang.body and "周先生" not in to_zhang.body
    assert "2026-11-21" in to_zhang.subject
    (to_li,) = sent_to("li@example.com")
    assert "周先生" in to_li.body and "赵先生" not in to_li.body
    assert not sent_to(idle.email)
    assert set(DigestDelivery.objects.values_list("user__username", "day", "kind")) == {
        (zhang.username, TODAY, "consultant"),
        (li.username, TODAY, "consultant"),
    }


def test_each_digest_is_written_in_the_recipients_language(lead_due, staff, tmp_path):
    zhang, li, _manager = staff
    lead_due(consultant=zhang, due=TODAY, grade="A", name="赵先生")
    lead_due(consultant=li, due=TODAY, grade="A", name="周先生")
    # A one-line catalogue, so the test does not depend on how far the real zh_Hans translation has got.
    write_catalogue(tmp_path, "zh-hans", {WAITING: "以下客户今天等您跟进："})

    with override_settings(LOCALE_PATHS=[tmp_path]):
        digests_send()

    (to_li,) = sent_to("li@example.com")
    (to_zhang,) = sent_to("zhang@example.com")
    assert to_li.subject == "2026-11-21: 1 follow-up due"
    assert to_li.body.startswith("Hello 李娜,")
    assert WAITING in to_li.body
    assert "以下客户今天等您跟进：" in to_zhang.body
    assert WAITING not in to_zhang.body


def test_a_chinese_readers_digest_is_not_the_english_text(lead_due, staff):
    zhang, li, _manager = staff
    lead_due(consultant=zhang, due=TODAY, grade="A", name="赵先生")
    lead_due(consultant=li, due=TODAY, grade="A", name="赵先生")

    digests_send()

    (to_li,) = sent_to("li@example.com")
    (to_zhang,) = sent_to("zhang@example.com")
    assert to_zhang.subject != to_li.subject
    assert WAITING not in to_zhang.body


@pytest.mark.parametrize(
    "grade, days_overdue, reported",
    [
        ("H", 0, False),  # due today is not overdue
        ("H", 1, True),  # any overdue H lead
        ("A", 3, False),  # overdue by exactly one interval: not yet
        ("A", 4, True),  # by more than one interval
        ("B", 7, False),
        ("B", 8, True),
        ("C", 15, False),
        ("C", 16, True),
    ],
)
def test_the_manager_hears_of_overdue_h_leads_and_of_others_overdue_by_more_than_one_interval(
    lead_due, staff, grade, days_overdue, reported
):
    zhang, _li, _manager = staff
    lead_due(consultant=zhang, due=TODAY - timedelta(days=days_overdue), grade=grade)

    digests_send()

    to_manager = sent_to("boss@example.com")
    assert len(to_manager) == (1 if reported else 0)
    if reported:
        expected = "H 1, others 0" if grade == "H" else "H 0, others 1"
        assert f"- 张伟: {expected}" in to_manager[0].body
    assert len(sent_to("zhang@example.com")) == 1  # the consultant hears of every due lead either way


@pytest.mark.parametrize("days_overdue, reported", [(5, False), (6, True)])
def test_the_managers_threshold_follows_the_showrooms_own_interval(lead_due, staff, showroom, days_overdue, reported):
    showroom.follow_up_days_a = 5
    showroom.save()
    lead_due(consultant=staff[0], due=TODAY - timedelta(days=days_overdue), grade="A")

    digests_send()

    assert len(sent_to("boss@example.com")) == (1 if reported else 0)


def test_the_manager_summary_counts_per_consultant_worst_first_and_stays_in_the_showroom(
    lead_due, make_visit, staff, other_manager, frozen_clock
):
    zhang, li, _manager = staff
    other_manager.email = "boss2@example.com"
    other_manager.save()
    lead_due(consultant=li, due=TODAY - DAY, grade="H")
    lead_due(consultant=li, due=TODAY - 2 * DAY, grade="H")
    lead_due(consultant=li, due=TODAY - 10 * DAY, grade="B")
    lead_due(consultant=zhang, due=TODAY - 20 * DAY, grade="C")

    digests_send()

    (summary,) = sent_to("boss@example.com")
    assert "2026-11-21" in summary.subject
    assert summary.body.index("- 李娜: H 2, others 1") < summary.body.index("- 张伟: H 0, others 1")
    assert not sent_to("boss2@example.com")  # the other showroom has nothing overdue


def test_a_second_call_the_same_day_sends_nothing_and_the_next_day_sends_again(lead_due, staff, frozen_clock):
    zhang, _li, _manager = staff
    lead_due(consultant=zhang, due=TODAY - DAY, grade="H")
    assert digests_send() == 2  # the consultant's list and the manager's summary
    assert DigestDelivery.objects.filter(sent_at__isnull=True).count() == 0

    assert digests_send() == 0
    assert len(mail.outbox) == 2

    frozen_clock.move_to(local(zhang.showroom, date(2026, 11, 22), 8, 0))
    assert digests_send() == 2
    assert len(mail.outbox) == 4


def test_a_digest_claimed_by_another_worker_is_left_to_it(lead_due, staff, frozen_clock):
    zhang, li, _manager = staff
    lead_due(consultant=zhang, due=TODAY, grade="A")
    lead_due(consultant=li, due=TODAY, grade="A")
    DigestDelivery.objects.create(user=zhang, day=TODAY, kind="consultant", claimed_at=timezone.now())

    assert digests_send() == 1

    assert [message.to for message in mail.outbox] == [["li@example.com"]]


def test_a_claim_whose_worker_died_before_sending_is_taken_over_once_it_is_older_than_the_claim_ttl(
    lead_due, staff, frozen_clock
):
    zhang, _li, _manager = staff
    lead_due(consultant=zhang, due=TODAY, grade="A")
    # A worker claimed zhang's digest and was killed before it sent anything.
    DigestDelivery.objects.create(user=zhang, day=TODAY, kind="consultant", claimed_at=timezone.now())

    frozen_clock.shift(DIGEST_CLAIM_TTL - timedelta(seconds=1))
    assert digests_send() == 0  # it may still be sending
    frozen_clock.shift(timedelta(seconds=2))
    assert digests_send() == 1

    assert [message.to for message in mail.outbox] == [["zhang@example.com"]]
    claim = DigestDelivery.objects.get(user=zhang)
    assert claim.sent_at == timezone.now() and claim.claimed_at == timezone.now()
    assert digests_send() == 0  # sent: never again that day


def test_nothing_is_sent_before_the_showroom_reminder_hour(lead_due, staff, frozen_clock):
    lead_due(consultant=staff[0], due=date(2026, 11, 21), grade="H")
    frozen_clock.move_to(local(staff[0].showroom, date(2026, 11, 22), 7, 59))

    assert digests_send() == 0
    assert mail.outbox == []
    assert not DigestDelivery.objects.exists()


@override_settings(EMAIL_BACKEND=REFUSING)
def test_a_refused_send_gives_its_claim_back_and_a_later_run_sends_it(lead_due, staff, monkeypatch):
    zhang, _li, _manager = staff
    lead_due(consultant=zhang, due=TODAY, grade="A")
    monkeypatch.setattr(RefusingBackend, "refused", {"zhang@example.com"})

    with pytest.raises(SMTPRecipientsRefused):
        digests_send()

    assert not DigestDelivery.objects.exists()
    assert mail.outbox == []

    monkeypatch.setattr(RefusingBackend, "refused", set())
    assert digests_send() == 1
    assert sent_to("zhang@example.com")
    assert DigestDelivery.objects.get().sent_at is not None


@override_settings(EMAIL_BACKEND=REFUSING)
def test_one_refused_address_does_not_hold_back_everyone_elses_digest(lead_due, staff, monkeypatch):
    zhang, li, _manager = staff
    lead_due(consultant=zhang, due=TODAY - DAY, grade="H")
    lead_due(consultant=li, due=TODAY - DAY, grade="H")
    monkeypatch.setattr(RefusingBackend, "refused", {"zhang@example.com"})

    with pytest.raises(SMTPRecipientsRefused):
        digests_send()  # the failure is still raised, so the task shows it failed

    assert sorted(message.to[0] for message in mail.outbox) == ["boss@example.com", "li@example.com"]
    assert set(DigestDelivery.objects.values_list("user__email", flat=True)) == {"boss@example.com", "li@example.com"}
