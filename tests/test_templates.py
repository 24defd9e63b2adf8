"""Template hygiene the renderer does not enforce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted(
    (Path(__file__).resolve().parent.parent / "scheduling" / "templates").rglob("*.html")
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_comment_tag_spans_lines_where_django_would_print_it(template):
    # `{# ... #}` is one line only: over two lines Django prints it on the page.
    text = template.read_text()
    spanning = [
        m.group(0)[:60] for m in re.finditer(r"\{#.*?#\}", text, re.S) if "\n" in m.group(0)
    ]
    assert spanning == []


def test_the_sign_in_page_shows_no_template_syntax(client, db):
    html = client.get("/login/").content.decode()

    assert "{#" not in html and "#}" not in html
