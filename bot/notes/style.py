"""The notes page's stylesheet: for reading on a phone or a desk, and for printing or a PDF.

On paper every page carries the office's name (the letterhead), the notes' state (draft or
approved, with the version) and "Page N of M", in the page's margin boxes (CSS Paged Media
``@page`` with ``@top-left`` …, which WeasyPrint and Chromium both lay out). The page size is the
printer's (A4 or Letter); the margins fit both.
"""

from __future__ import annotations

SCREEN = """
*,*::before,*::after{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
max-width:60rem;margin:0 auto;padding:0 1rem 2rem;overflow-wrap:break-word}
.letterhead{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.3rem 1rem;
border-bottom:2px solid #1d1d1f;padding:.8rem 0 .4rem;margin-bottom:1rem}
.letterhead p{margin:0}.office{font-weight:700;letter-spacing:.02em}
.state{font-weight:700;text-transform:uppercase;font-size:.85rem;padding:.1rem .5rem;border-radius:4px}
.state.draft{background:#fff4d6;border:1px solid #e0b84c}
.state.approved{background:#e3f6e8;border:1px solid #5cb176}
h1{font-size:1.55rem;line-height:1.25;margin:.4rem 0 .2rem}h2{font-size:1.25rem;margin-top:1.8rem}
h3{font-size:1.05rem;margin-bottom:.3rem}.meta{color:#555;margin-top:0}
.banner{padding:.5rem .8rem;border-radius:6px;margin:1rem 0;font-weight:600}
.banner.draft{background:#fff4d6;border:1px solid #e0b84c}
.banner.approved{background:#e3f6e8;border:1px solid #5cb176}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6rem 0;font-size:.95rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}
table:has(th:nth-child(5)) td:not(:nth-child(2)){white-space:nowrap}
table:has(th:nth-child(5)) td:nth-child(2){min-width:12rem}code,pre{background:#f5f5f5;border-radius:4px}
pre{padding:.6rem;overflow-x:auto}blockquote{border-left:3px solid #ccc;margin-left:0;
padding-left:1rem;color:#444}details{margin:.4rem 0 1rem}summary{cursor:pointer;color:#1a4f8b}
.approval,.revisions{border-top:1px solid #ccc;margin-top:2rem}
.review{border:2px solid #1a4f8b;border-radius:8px;padding:.6rem 1rem;margin:1rem 0}
.review form{margin:.6rem 0}.review textarea{width:100%;min-height:6rem;font:inherit}
.review input[type=text]{width:100%;font:inherit}
button{font:inherit;padding:.4rem 1rem;border-radius:6px;border:1px solid #1a4f8b;
background:#1a4f8b;color:#fff;cursor:pointer}
.notice{padding:.5rem .8rem;border-radius:6px;background:#fdecea;border:1px solid #d9534f}
.done{padding:.5rem .8rem;border-radius:6px;background:#e3f6e8;border:1px solid #5cb176}
@media (max-width:30rem){body{font-size:15px}h1{font-size:1.3rem}}
"""

PRINT = """
@page{margin:24mm 16mm 20mm;
@top-left{content:%(office)s;font:600 9pt system-ui,sans-serif}
@top-right{content:%(state)s;font:700 9pt system-ui,sans-serif}
@bottom-right{content:"Page " counter(page) " of " counter(pages);font:9pt system-ui,sans-serif}
@bottom-left{content:%(title)s;font:8pt system-ui,sans-serif;color:#555}}
@media print{body{max-width:none;padding:0;font-size:10.5pt}.letterhead{display:none}
.review,summary{display:none}a{color:inherit;text-decoration:none}
.scroll{overflow:visible}table{width:100%%}tr{break-inside:avoid}h1,h2,h3{break-after:avoid}
.banner{border:1px solid #000}}
"""


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element."""
    escaped = "".join(f"\\{ord(c):x} " if c in '\\"<>\n\r' or ord(c) < 32 else c for c in text)
    return f'"{escaped}"'


def stylesheet(*, office: str, state: str, title: str) -> str:
    return SCREEN + PRINT % {"office": css_string(office), "state": css_string(state),
                             "title": css_string(title)}
