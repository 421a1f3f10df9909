"""Forms of the 雨露计划 register. They only parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import StudentLevel
from .register_forms import IdNumberField


class StudentForm(forms.Form):
    member = IdNumberField(label=_("Student's ID number"))
    school = forms.CharField(label=_("School"), max_length=200)
    major = forms.CharField(label=_("Major"), max_length=100, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=StudentLevel.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2013, max_value=2100)
    grade = forms.IntegerField(label=_("Grade"), min_value=1, max_value=5, initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
