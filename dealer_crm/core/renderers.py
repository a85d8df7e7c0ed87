"""The form renderer (settings.FORM_RENDERER): Django's, with "请选择 / Please choose" as the empty choice.

Django writes "---------" for the empty choice of every select built from a model field or a queryset
(BLANK_CHOICE_DASH, ModelChoiceField.empty_label). Replacing it here, where every widget is rendered, covers
every form, the admin's included, without each form saying it. List filters say "All" instead: that is
django-filter's own setting (FILTERS_EMPTY_CHOICE_LABEL), so they never reach this with a dash.
"""

from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext

DJANGO_EMPTY_LABEL = BLANK_CHOICE_DASH[0][1]


class ChoicePromptRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        for _group, options, _index in context.get("widget", {}).get("optgroups", ()):
            for option in options:
                if option["value"] in ("", None) and option["label"] == DJANGO_EMPTY_LABEL:
                    option["label"] = gettext("Please choose")
        return super().render(template_name, context, request=request)
