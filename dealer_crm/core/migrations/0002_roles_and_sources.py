from django.db import migrations

from dealer_crm.core.roles import grant

# The eight information sources of the automaker's register template (展厅来电/店登记表).
SOURCES = [
    ("web", "网络", "Web"),
    ("tv", "电视", "TV"),
    ("print", "报纸杂志", "Newspapers & magazines"),
    ("radio", "广播", "Radio"),
    ("auto_show", "展会", "Auto show"),
    ("friends", "亲友介绍", "Friends & family"),
    ("passing_by", "路过", "Passing by"),
    ("other", "其他", "Other"),
]


def create_roles(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        {
            "consultant": [],
            "manager": ["core.oversee_showroom"],
            "admin": [
                "core.oversee_showroom",
                *[
                    f"core.{action}_{model}"
                    for model in ("carmodel", "informationsource", "district", "user")
                    for action in ("add", "change", "view")
                ],
                "core.view_showroom",
            ],
        },
    )


def create_sources(apps, schema_editor):
    InformationSource = apps.get_model("core", "InformationSource")
    for position, (code, name_zh, name_en) in enumerate(SOURCES, start=1):
        InformationSource.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(create_sources, migrations.RunPython.noop),
    ]
