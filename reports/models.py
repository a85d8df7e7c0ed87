"""The daily sales report (营业日报表) as the consultant submits it and the manager signs it off, and the
showroom's report settings.

An open report's figures are compiled from what the consultant already entered (register entries, contacts,
lost-lead decisions; see selectors.daily_report_figures); a signed-off one keeps the figures it was signed with.
The row holds what the register and the tracker cannot know: the consultant's remarks, the manager's comment
(主管指示), when it was submitted, who signed it off and what they signed.
"""

from datetime import time

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.history import Revision
from dealer_crm.core.models import Showroom
from dealer_crm.core.signoff import SignOff
from leads.models import LeadEvent

DEFAULT_CUTOFF = time(18, 30)
DEFAULT_DELIVERY_OVERDUE_DAYS = 30


class ReportSettings(models.Model):
    """A showroom's settings for the reports. Optional: a showroom without a row uses the defaults.

    Kept here rather than on core's Showroom: dependencies point one way (reports reads everything, nothing
    imports reports), so the setting lives with the only app that reads it.
    """

    showroom = models.OneToOneField(
        Showroom, verbose_name=_("showroom"), on_delete=models.CASCADE, related_name="report_settings"
    )
    # Reports not submitted by this local time of their day are flagged on the manager's review.
    daily_report_cutoff = models.TimeField(_("daily report cut-off"), default=DEFAULT_CUTOFF)
    # The integrity page lists orders older than this that show no delivery yet.
    delivery_overdue_days = models.PositiveSmallIntegerField(
        _("days from order to delivery before an order is flagged"), default=DEFAULT_DELIVERY_OVERDUE_DAYS
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self):
        return str(self.showroom)


class DailyReport(SignOff):
    """One consultant's daily report for one day: remarks, submission, the manager's comment and sign-off.

    Signing off stores the day's figures as they were (`snapshot`: selectors.DailyFigures as a dict), which the
    signed report, the review and the monthly workbook show from then on."""

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="daily_reports"
    )
    date = models.DateField(_("date"))
    remarks = models.TextField(_("remarks"), blank=True, default="")
    # The first submission: what the cut-off is measured against (later corrections do not move it).
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    manager_comment = models.TextField(_("manager's instructions"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    revisions = GenericRelation(Revision, object_id_field="object_pk")

    class Meta(SignOff.Meta):
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        permissions = [("review_dailyreport", _("Can comment on, sign off and reopen daily reports"))]
        constraints = [
            *SignOff.Meta.constraints,
            models.UniqueConstraint(fields=["consultant", "date"], name="daily_report_one_per_consultant_day"),
            # Only a submitted report can be signed off.
            models.CheckConstraint(
                condition=Q(signed_off_at__isnull=True) | Q(submitted_at__isnull=False),
                name="daily_report_signed_off_after_submission",
            ),
        ]
        indexes = [models.Index(fields=["showroom", "date"], name="daily_report_day")]

    def __str__(self):
        return f"{self.consultant} {self.date:%Y-%m-%d}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


# --- Excel exports and imports (issue 7: dealer_crm/core/excel.py, reports/excel/) ---


class ExportRecord(models.Model):
    """One export of customers' personal data: who took what, when, and how many rows. Written for every export
    (a monthly workbook, a list page's rows), whether it was built in the request or by a background task; the
    background ones also carry their progress and the file they produced (under settings.EXPORTS_DIR, served only
    through the permission-checked download view)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly workbook")
        REGISTER = "register", _("Visitor register list")
        TRACKER = "tracker", _("Lead tracker list")
        LOST = "lost", _("Lost leads")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Channel(models.TextChoices):
        WEB = "web", _("Web page")
        COMMAND = "command", _("Command line")

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("export"), max_length=10, choices=Kind.choices)
    # Whose data: a consultant's own workbook names them; empty for the whole showroom.
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    month = models.DateField(_("month"), null=True, blank=True)  # first day of the month (monthly workbook)
    filters = models.JSONField(_("filters"), default=dict, blank=True)  # a list's query parameters, as given
    language = models.CharField(max_length=10, default="zh-hans")  # the language of the headers
    # Who: the logged-in user; from the command line, nobody of the CRM (the server's account is named instead).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by_name = models.CharField(_("exported by"), max_length=150)  # as printed on the cover
    requested_at = models.DateTimeField(_("requested at"))
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    background = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_expected = models.PositiveIntegerField(default=0)  # the progress bar's 100 %
    rows_written = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)  # data rows in the file, when done
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    file_path = models.CharField(max_length=300, blank=True, default="")  # relative to EXPORTS_DIR
    file_name = models.CharField(max_length=200, blank=True, default="")  # the download's name
    error = models.TextField(blank=True, default="")
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A background build's claim (export_services.monthly_export_run): each worker that takes the export counts
    # one attempt, and the attempt number is its fencing token (every later write names it, so a worker that
    # lost its claim can no longer touch the record). The claim lives while its heartbeat is younger than
    # EXPORT_CLAIM_TTL; an expired one is re-queued by the beat job (export_services.exports_requeue).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the task was last handed to the broker; empty while the broker could not be reached (the beat job
    # sends it when it is back).
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at", "-pk"]
        permissions = [("export_showroom", _("Can export the whole showroom's data to Excel"))]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_percent"),
            models.CheckConstraint(
                condition=~Q(kind="monthly") | Q(month__isnull=False), name="export_monthly_has_month"
            ),
        ]
        indexes = [
            models.Index(fields=["showroom", "-requested_at"], name="export_history"),
            # The beat job's scan: only the unfinished background exports, however long the history grows.
            models.Index(
                fields=["status"],
                condition=Q(background=True, status__in=["pending", "running"]),
                name="export_unfinished",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.showroom_id} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class ImportBatch(models.Model):
    """One uploaded legacy register (.xlsx): kept from the preview until it is imported, with the counts of what
    became of its rows. The file itself lies under settings.IMPORTS_DIR."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTED = "imported", _("Imported")

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # None: the command line
    uploaded_by_name = models.CharField(_("uploaded by"), max_length=150)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    original_name = models.CharField(_("file"), max_length=200)
    file_path = models.CharField(max_length=300)  # relative to IMPORTS_DIR
    sha256 = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=ExportRecord.Channel.choices, default=ExportRecord.Channel.WEB)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ["-uploaded_at", "-pk"]
        permissions = [("import_register", _("Can import legacy Excel registers"))]

    def __str__(self):
        return f"{self.original_name} ({self.status})"


class ImportedRow(models.Model):
    """The database's guard against importing a register row twice: one row per showroom, date, arrival time,
    customer name and phone (the definition of a duplicate), pointing at the entry it became. Checked before
    inserting; the unique constraint settles two imports of the same file running at once."""

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    visit_date = models.DateField()
    arrived_at = models.DateTimeField()
    customer_name = models.CharField(max_length=50)
    phone = models.CharField(max_length=20, blank=True, default="")
    visit = models.OneToOneField("leads.Visit", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="rows")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["showroom", "visit_date", "arrived_at", "customer_name", "phone"],
                name="imported_row_once",
            )
        ]

    def __str__(self):
        return f"{self.visit_date} {self.customer_name}"


class ImportSynonym(models.Model):
    """A way legacy registers write a reference value, and the name or code it stands for: 亲友 → 亲友介绍,
    网上 → 网络, 电 → 来电. Global reference data, edited by superusers in the admin; the importer matches a
    cell by exact name or code first, then by these, and only then offers a close match for the user to confirm
    (reports.excel.register_import.Vocabulary)."""

    class Column(models.TextChoices):
        KIND = "kind", _("Walk-in or call")
        GENDER = "gender", _("Gender")
        SOURCE = "source", _("Information source")
        CAR_MODEL = "car_model", _("Model of interest")
        DISTRICT = "district", _("District")
        GRADE = "grade", _("Intent grade")

    column = models.CharField(_("column"), max_length=20, choices=Column.choices)
    synonym = models.CharField(_("as written in the files"), max_length=80)
    meaning = models.CharField(
        _("stands for"),
        max_length=80,
        help_text=_("The name or code of the value in the CRM, e.g. 亲友介绍 or friends; walk_in or call."),
    )

    class Meta:
        verbose_name = _("import synonym")
        verbose_name_plural = _("import synonyms")
        ordering = ["column", "synonym"]
        constraints = [models.UniqueConstraint(fields=["column", "synonym"], name="import_synonym_once")]

    def __str__(self):
        return f"{self.synonym} → {self.meaning}"

    def clean(self):
        from .excel.register_import import synonym_meaning_error  # the importer knows what each column's values are

        self.synonym, self.meaning = self.synonym.strip(), self.meaning.strip()
        error = synonym_meaning_error(column=self.column, meaning=self.meaning)
        if error:
            raise ValidationError({"meaning": error})


class IntegrityCheck(models.Model):
    """When a showroom's integrity checks last ran (the page's "as of"), and whether a manager asked for a new
    run since. The checks aggregate the whole history, so the page reads their stored findings instead."""

    showroom = models.OneToOneField(Showroom, on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)  # "re-check now", until the run that answers it

    def __str__(self):
        return f"{self.showroom_id}: {self.checked_at}"


class IntegrityFinding(models.Model):
    """One row a check found, as the page lists it (reports.analytics.selectors' integrity checks, stored by
    integrity_services.integrity_recheck): `record_id` is the lead's, or the register entry's for "entries"."""

    class Check(models.TextChoices):
        GRADES = "grades", _("Grades changed without a contact")
        ENTRIES = "entries", _("Register entries with a phone but no lead")
        ORDERS = "orders", _("Orders without a delivery")
        UNANSWERED = "unanswered", _("Online leads with no contact a day after their deadline")
        UNSETTLED = "unsettled", _("Appointments with no outcome a day after their slot")

    showroom = models.ForeignKey(Showroom, on_delete=models.CASCADE, related_name="+")
    kind_of_check = models.CharField(max_length=10, choices=Check.choices)
    position = models.PositiveIntegerField()  # the check's own order (newest first, or oldest order first)
    record_id = models.BigIntegerField()  # the lead's (the appointment's lead too), or the register entry's
    customer_name = models.CharField(max_length=100, blank=True, default="")
    person = models.CharField(max_length=150, blank=True, default="")  # the lead's owner, the entry's consultant
    at = models.DateTimeField(null=True, blank=True)  # the change, or the order; None when there is none
    day = models.DateField(null=True, blank=True)  # the register entry's date
    number = models.PositiveIntegerField(null=True, blank=True)  # the register entry's running number
    before = models.CharField(max_length=1, blank=True, default="")
    after = models.CharField(max_length=1, blank=True, default="")
    kind = models.CharField(max_length=20, blank=True, default="")  # a LeadEvent kind ("" for the lead's grade)

    class Meta:
        ordering = ["showroom", "kind_of_check", "position"]
        constraints = [
            models.UniqueConstraint(fields=["showroom", "kind_of_check", "position"], name="integrity_finding_position")
        ]

    def __str__(self):
        return f"{self.kind_of_check} #{self.position}: {self.record_id}"

    @property
    def kind_label(self) -> str:
        return str(LeadEvent.Kind(self.kind).label) if self.kind in LeadEvent.Kind.values else self.kind
