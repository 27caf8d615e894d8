"""Call notes as clean documents: one standalone HTML page (to read, print or file as a PDF), or
Markdown, for one call or many.

The page leads with what a reader must judge: decisions, issues and action items come first,
then the rest as written; the drafted attendance is summarised (counts by organisation, the
names folded below), and last come the approval block (who approved which version, when) and
the revision history. There is exactly one ``h1``: the document's title (the notes' own first
heading, which repeats it, is left out). Markdown is rendered by markdown-it-py with raw HTML
disabled (so ``<script>`` in notes shows as text) and tables enabled, each table in a box that
scrolls sideways on a phone rather than widening the page. The stylesheet is ``style``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from bot.i18n.rules import local_time
from bot.notes import style
from bot.notes.rules import sections as notes_sections

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Revision:
    version: int
    author: str  # as a reader names them
    at: datetime
    reason: str


@dataclass(frozen=True)
class Approval:
    version: int
    by: str
    at: datetime


@dataclass(frozen=True)
class Part:
    """One call's notes in a document."""

    heading: str
    starts_at: datetime
    approved: bool
    banner: str
    text: str
    revisions: tuple[Revision, ...] = ()
    approvals: tuple[Approval, ...] = ()


def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt  # here: only pages load it, not every process

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def state_line(parts: Sequence[Part]) -> str:
    """What every printed page says of the notes' state."""
    if len(parts) == 1:
        return parts[0].banner
    if all(part.approved for part in parts):
        return "Approved notes"
    return "Includes drafts — not approved"


def page(title: str, parts: Sequence[Part], *, zone: str, office: str = "",
         panel: str = "") -> str:
    """A complete HTML document: the letterhead and title, then each call's notes. ``panel``
    (trusted HTML: the official's review forms) goes after the status banner."""
    renderer = _markdown()
    body = []
    several = len(parts) > 1
    for part in parts:
        level = "approved" if part.approved else "draft"
        if several:
            body.append(f"<h2>{escape(part.heading)}</h2>")
        body.append(f'<p class="meta">{escape(local_time(part.starts_at, zone))}</p>')
        body.append(f'<p class="banner {level}">{escape(part.banner)}</p>')
        if panel:
            body.append(panel)
        body.append(_article(renderer, part.text, depth=3 if several else 2))
        body.append(_approval(part, zone, depth=3 if several else 2))
        body.append(_revisions(part, zone, depth=3 if several else 2))
    state = state_line(parts)
    level = "approved" if all(p.approved for p in parts) else "draft"
    letterhead = (f'<header class="letterhead"><p class="office">{escape(office)}</p>'
                  f'<p class="state {level}">{escape(state)}</p></header>')
    css = style.stylesheet(office=office, state=state, title=title)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"robots\" content=\"noindex\">\n"
            f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
            f"{letterhead}\n<main>\n<h1>{escape(title)}</h1>\n" + "\n".join(body)
            + "\n</main>\n</body>\n</html>\n")


def _article(renderer: MarkdownIt, text: str, *, depth: int) -> str:
    _, found = notes_sections.split(text)
    # what precedes the first heading (the call's facts) stays first; the attendance goes last
    ordered = sorted(found, key=lambda s: (bool(s.heading), notes_sections.is_attendance(s),
                                           notes_sections.rank(s)))
    out = []
    for section in ordered:
        heading = (f"<h{depth}>{escape(section.heading)}</h{depth}>\n" if section.heading else "")
        if notes_sections.is_attendance(section):
            lists = notes_sections.attendance(section.body)
            if lists is not None:
                out.append(f'<section class="attendance">{heading}{_attendance(lists, depth)}'
                           "</section>")
                continue
        out.append(f"<section>{heading}{_rendered(renderer, section.body)}</section>")
    return "<article>\n" + "\n".join(out) + "\n</article>"


def _rendered(renderer: MarkdownIt, markdown: str) -> str:
    html = renderer.render(markdown)
    return html.replace("<table>", '<div class="scroll"><table>').replace("</table>",
                                                                          "</table></div>")


def _attendance(lists: Sequence[notes_sections.AttendanceList], depth: int) -> str:
    out = []
    for found in lists:
        out.append(f"<h{depth + 1}>{escape(found.title)} ({found.count})</h{depth + 1}>")
        if not found.groups:
            out.append("<p>None.</p>")
            continue
        rows = "".join(f'<tr><td>{escape(g.label)}</td><td class="n">{len(g.names)}</td></tr>'
                       for g in found.groups)
        out.append('<div class="scroll"><table><thead><tr><th>Organisation</th>'
                   f"<th>People</th></tr></thead><tbody>{rows}</tbody></table></div>")
        names = "".join(f"<li><strong>{escape(g.label)}</strong>: "
                        f"{escape(', '.join(g.names))}</li>" for g in found.groups)
        out.append(f"<details><summary>Names ({found.count})</summary><ul>{names}</ul></details>")
    return "\n".join(out)


def _approval(part: Part, zone: str, *, depth: int) -> str:
    if part.approvals:
        items = "".join(f"<li>Version {a.version} approved by {escape(a.by)} on "
                        f"{escape(local_time(a.at, zone))}</li>" for a in part.approvals)
        body = f"<ul>{items}</ul>"
    else:
        body = "<p>Not approved yet: these notes are not the record of the call.</p>"
    return f'<section class="approval"><h{depth}>Approval</h{depth}>{body}</section>'


def _revisions(part: Part, zone: str, *, depth: int) -> str:
    if not part.revisions:
        return ""
    rows = "".join(f'<tr><td class="n">{r.version}</td><td>{escape(local_time(r.at, zone))}</td>'
                   f"<td>{escape(r.author)}</td><td>{escape(r.reason)}</td></tr>"
                   for r in part.revisions)
    return (f'<section class="revisions"><h{depth}>Revision history</h{depth}>'
            '<div class="scroll"><table><thead><tr><th>Version</th><th>When</th><th>By</th>'
            f"<th>Why</th></tr></thead><tbody>{rows}</tbody></table></div></section>")


def markdown(title: str, parts: Sequence[Part], *, zone: str) -> str:
    """The same document as Markdown: a title, then each call with its status line."""
    out = [f"# {title}", ""]
    for part in parts:
        if len(parts) > 1:
            out += [f"## {part.heading}", ""]
        out += [f"_{local_time(part.starts_at, zone)} · {part.banner}_", "", part.text.strip(), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def pdf(html: str) -> bytes:
    """The page as a PDF (WeasyPrint lays out the print stylesheet: margin boxes, page counts)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only exports need

    return HTML(string=html).write_pdf()
