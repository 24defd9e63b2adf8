"""Reading a page as a person does, for page tests through Django's test client.

The words of a page (`visible_text`, `page_text`) and the rows of its tables (`table_rows`,
`tables`), so that tests compare what a reader sees rather than the markup around it.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Tags inside a line of text: they vanish without separating words ("<strong>5</strong>%").
INLINE_TAGS = re.compile(r"</?(?:a|abbr|em|label|span|strong|time)\b[^>]*>")


def html_of(response, status: int = 200) -> str:
    """The page's HTML, once it has answered with this status."""
    assert response.status_code == status, response.status_code
    return response.content.decode()


def visible_text(html: str) -> str:
    """The words a reader sees: scripts and styles dropped, inline tags gone, every other tag
    a break between words, entities decoded, whitespace folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = INLINE_TAGS.sub("", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page_text(response) -> str:
    """The whole page's `visible_text`."""
    return visible_text(response.content.decode())


class _Tables(HTMLParser):
    """The text of each cell of each row of each table, as a reader sees it: screen-reader-only
    text (`visually-hidden`) left out, list items and paragraphs in a cell kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("li", "p", "br") and self._cell is not None:
            self._cell.append(" ")
        if tag == "span" and ("class", "visually-hidden") in attrs:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def tables(html: str) -> list[list[list[str]]]:
    """Every table in this HTML: its rows (header rows too), each a list of cell texts."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table_rows(html: str) -> list[list[str]]:
    """The rows of every table in this HTML, one after the other, header rows too."""
    return [row for table in tables(html) for row in table]
