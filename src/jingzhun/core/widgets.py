"""Form widgets every page shares."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO (``2026-01-05``): a date in the locale's format
    (``2026年1月5日``) is ignored by the browser, and the field shows empty although it has a value."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("format", None)
        super().__init__(format="%Y-%m-%d", **kwargs)


class DatalistInput(forms.TextInput):
    """A text box that offers a list of known values (an HTML ``<datalist>``) but takes any text: "choose one, or
    type another". ``choices`` are ``(stored value, label)`` pairs, or a callable giving them when the page is
    made; the box shows and offers labels, and a label typed or picked is read back as its stored value."""

    template_name = "core/widgets/datalist.html"

    def __init__(self, choices: Any = (), attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})
        self.choices = choices

    def _choices(self) -> list[tuple[str, str]]:
        choices = self.choices() if callable(self.choices) else self.choices
        return [(str(value), str(label)) for value, label in choices]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}-options"
        context["widget"]["attrs"]["list"] = context["widget"]["list_id"] = list_id
        context["widget"]["options"] = [label for _value, label in self._choices()]
        return context

    def format_value(self, value: Any) -> str | None:
        labels = dict(self._choices())
        return labels.get(str(value), super().format_value(value)) if value not in (None, "") else None

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        if isinstance(value, str):
            by_label = {label: stored for stored, label in self._choices()}
            return by_label.get(value.strip(), value)
        return value
