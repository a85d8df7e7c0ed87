"""Moving an app's own history table into the one Revision table (history.py), and back: used by the data
migrations that merged VisitRevision, RegisterDayEvent, CardRevision and DailyReportEvent (issue 12).

`columns` maps the old table's names to Revision's ({"changed_by": "by", "changed_at": "at", "text": "reason"});
`actions` renames action codes whose meaning kept but whose code changed (the card's "created" is "opened").
Both directions work on the historical models the migration hands over, in batches, oldest first.
"""

BATCH = 2000


def revisions_copy_in(apps, *, old: str, record: str, columns: dict[str, str], actions: dict[str, str] | None = None):
    """Copy every row of the `old` model ("leads.VisitRevision"), whose `record` field points at the record,
    into Revision, keeping ids' order, values and times."""
    Old, Revision, record_type = _models(apps, old, record)
    actions = actions or {}
    rows = Old.objects.order_by("pk").values(f"{record}_id", f"{record}__showroom_id", "action", *columns)
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        values = {new: row[name] for name, new in columns.items()}
        values = {f"{key}_id" if key == "by" else key: value for key, value in values.items()}
        batch.append(
            Revision(
                showroom_id=row[f"{record}__showroom_id"],
                content_type=record_type,
                object_pk=row[f"{record}_id"],
                action=actions.get(row["action"], row["action"]),
                **values,
            )
        )
        if len(batch) == BATCH:
            Revision.objects.bulk_create(batch)
            batch = []
    Revision.objects.bulk_create(batch)


def revisions_copy_out(apps, *, old: str, record: str, columns: dict[str, str], actions: dict[str, str] | None = None):
    """The reverse: the record kind's revisions back into the re-created `old` table (reasons cut to its
    length), then out of Revision. Records that had no history before (contracts, ...) keep theirs."""
    Old, Revision, record_type = _models(apps, old, record)
    back = {new: old_code for old_code, new in (actions or {}).items()}
    limit = {name: Old._meta.get_field(name).max_length for name in columns}
    revisions = Revision.objects.filter(content_type=record_type)
    batch = []
    for revision in revisions.order_by("at", "pk").iterator(chunk_size=BATCH):
        values = {}
        for name, new in columns.items():
            value = revision.by_id if new == "by" else getattr(revision, new)
            values[f"{name}_id" if new == "by" else name] = value[: limit[name]] if limit[name] else value
        batch.append(
            Old(**{f"{record}_id": revision.object_pk}, action=back.get(revision.action, revision.action), **values)
        )
        if len(batch) == BATCH:
            Old.objects.bulk_create(batch)
            batch = []
    Old.objects.bulk_create(batch)
    revisions.delete()


def _models(apps, old: str, record: str):
    Old = apps.get_model(old)
    Revision = apps.get_model("core", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    record_model = Old._meta.get_field(record).related_model
    record_type, _ = ContentType.objects.get_or_create(
        app_label=record_model._meta.app_label, model=record_model._meta.model_name
    )
    return Old, Revision, record_type
