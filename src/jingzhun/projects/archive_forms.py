"""The form that files a document against an item of the archive checklist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .archive_services import ARCHIVE_TYPES, NOTE_MAX
from .datafiles import ArchiveChecklist

# What the file picker offers (a phone also offers its camera for image/*); the bytes are checked by the service.
ACCEPT = ",".join([kind.content_type for kind in ARCHIVE_TYPES] + [s for kind in ARCHIVE_TYPES for s in kind.suffixes])


class ArchiveUploadForm(forms.Form):
    item = forms.ChoiceField(label=_("Checklist item"))
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args: Any, checklist: ArchiveChecklist, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.code, f"{i.code} {i.name}") for i in checklist.items]  # type: ignore[attr-defined]
