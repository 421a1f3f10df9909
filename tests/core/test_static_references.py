"""Every ``{% static %}`` path in the templates names a file that exists.

Under production settings (the manifest storage) a wrong path is not a broken link but an HTTP 500 ("Missing
staticfiles manifest entry"), while the development storage lets it pass silently; this catches it at once,
the production page walk (tests/web/test_production_walk.py) catches it in the pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders

import jingzhun

STATIC_TAG = re.compile(r"{%\s*static\s+(\S+)")
SOURCE = Path(jingzhun.__file__).parent


def _references() -> list[tuple[str, str]]:
    found = []
    for template in sorted(SOURCE.glob("**/templates/**/*.html")):
        for argument in STATIC_TAG.findall(template.read_text(encoding="utf-8")):
            found.append((str(template.relative_to(SOURCE)), argument))
    return found


def test_templates_reference_static_files():
    assert len(_references()) >= 4  # the site stylesheet, htmx, the charts and their library at least


def test_every_static_path_in_a_template_exists():
    missing = []
    for template, argument in _references():
        # Only literal paths can be checked here: a computed one would hide from this test.
        assert argument[0] in "'\"" and argument[-1] == argument[0], f"{template}: {{% static {argument} %}}"
        if finders.find(argument[1:-1]) is None:
            missing.append(f"{template}: {argument}")
    assert missing == []
