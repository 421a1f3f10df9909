"""The partials every page shares exist once, in core (messages, form fields, one field)."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "jingzhun"
SHARED = {"_messages.html", "_form_fields.html", "_field.html"}


def test_no_app_keeps_its_own_copy_of_a_shared_partial():
    copies = [
        str(path.relative_to(SRC))
        for path in SRC.glob("*/templates/*/*.html")
        if path.name in SHARED and path.parent.name != "core"
    ]
    assert copies == []


def test_no_template_writes_the_messages_out_by_hand():
    by_hand = [
        str(path.relative_to(SRC))
        for path in SRC.glob("*/templates/**/*.html")
        if "for message in messages" in path.read_text(encoding="utf-8") and path.name != "_messages.html"
    ]
    assert by_hand == []


def test_every_list_uses_the_one_pager():
    own_pagers = [
        str(path.relative_to(SRC))
        for path in SRC.glob("*/templates/**/*.html")
        if 'class="pager"' in path.read_text(encoding="utf-8")
        and not (path.name == "_pager.html" and path.parent.name == "core")
    ]
    assert own_pagers == []
