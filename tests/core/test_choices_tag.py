"""``{% select_options field %}``: every choice an option, the field's value selected, text escaped."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.utils.safestring import mark_safe


class _Filters(forms.Form):
    village = forms.ChoiceField(
        required=False, choices=[("", "全部"), ("370125105201", "王家村"), ("x", '<b>"李"</b>')]
    )
    year = forms.TypedChoiceField(required=False, coerce=int, choices=[(2020, "2020"), (2021, "2021")])


def _render(form: forms.Form, name: str) -> str:
    return Template("{% load choices %}{% select_options field %}").render(Context({"field": form[name]}))


def test_every_choice_is_an_option_in_order_and_the_value_is_selected():
    assert _render(_Filters({"village": "370125105201"}), "village") == (
        '<option value="">全部</option><option value="370125105201" selected>王家村</option>'
        '<option value="x">&lt;b&gt;&quot;李&quot;&lt;/b&gt;</option>'
    )


def test_no_value_selects_the_empty_choice():
    assert '<option value="" selected>' in _render(_Filters({}), "village")


def test_a_number_choice_is_selected_by_its_text():
    assert '<option value="2021" selected>2021</option>' in _render(_Filters({"year": "2021"}), "year")


def test_a_label_already_safe_is_not_escaped_twice():
    form = _Filters({})
    form.fields["village"].choices = [("a", mark_safe("甲&amp;乙"))]
    assert _render(form, "village") == '<option value="a">甲&amp;乙</option>'
