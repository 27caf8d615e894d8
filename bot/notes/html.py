"""Call notes as clean documents: one standalone HTML page, or Markdown, for one call or many.

Markdown is rendered by markdown-it-py with raw HTML disabled (so ``<script>`` in notes shows as
text) and tables enabled; the page carries its own small stylesheet and needs nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from markdown_it import MarkdownIt

from bot.i18n.rules import local_time

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
max-width:46rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.3rem;margin-top:2rem}
h3{font-size:1.1rem}.meta{color:#555;margin-top:0}
.banner{padding:.5rem .8rem;border-radius:6px;margin:1rem 0;font-weight:600}
.draft{background:#fff4d6;border:1px solid #e0b84c}.approved{background:#e3f6e8;border:1px solid #5cb176}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}code,pre{background:#f5f5f5;
border-radius:4px}pre{padding:.6rem;overflow-x:auto}blockquote{border-left:3px solid #ccc;
margin-left:0;padding-left:1rem;color:#444}@media print{.banner{border:1px solid #000}}
"""


@dataclass(frozen=True)
class Part:
    """One call's notes in a document."""

    heading: str
    starts_at: datetime
    approved: bool
    banner: str
    text: str


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def page(title: str, parts: Sequence[Part], *, zone: str) -> str:
    """A complete HTML document: the title, then each call's status banner and notes."""
    renderer = _markdown()
    body = []
    for part in parts:
        level = "approved" if part.approved else "draft"
        if len(parts) > 1:
            body.append(f"<h2>{escape(part.heading)}</h2>")
        body.append(f'<p class="meta">{escape(local_time(part.starts_at, zone))}</p>')
        body.append(f'<p class="banner {level}">{escape(part.banner)}</p>')
        body.append(f"<article>{renderer.render(part.text)}</article>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"robots\" content=\"noindex\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title)}</h1>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def markdown(title: str, parts: Sequence[Part], *, zone: str) -> str:
    """The same document as Markdown: a title, then each call with its status line."""
    out = [f"# {title}", ""]
    for part in parts:
        if len(parts) > 1:
            out += [f"## {part.heading}", ""]
        out += [f"_{local_time(part.starts_at, zone)} · {part.banner}_", "", part.text.strip(), ""]
    return "\n".join(out).rstrip("\n") + "\n"
