from django import forms


class DatePicker(forms.DateInput):
    """A browser date picker. Its value must be ISO (2026-11-21) whatever the language: zh-hans would render
    2026/11/21, which the browser discards, leaving the field empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimePicker(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")
