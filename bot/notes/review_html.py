"""What an official sees on the web review: the sign-in page (ask for a code, enter it), and the
review panel (Approve, Request changes, Edit) that goes into the notes page.

Every value is escaped; the forms post to the same origin (the page's Content-Security-Policy
says ``form-action 'self'``) and the panel's forms carry the session's CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.notes import style


@dataclass(frozen=True)
class LinkParams:
    """The personal link's signed parameters, carried by the sign-in forms."""

    official: str
    expires: str
    token: str

    def hidden(self) -> str:
        return (f'<input type="hidden" name="o" value="{escape(self.official)}">'
                f'<input type="hidden" name="e" value="{escape(self.expires)}">'
                f'<input type="hidden" name="t" value="{escape(self.token)}">')


def sign_in(*, office: str, title: str, official_name: str, channel: str, base: str,
            link: LinkParams, notice: str = "", sent: bool = False) -> str:
    """The page a personal link opens: who it is for, where the code goes, the two forms."""
    message = ""
    if notice:
        message = f'<p class="{"done" if sent else "notice"}" role="status">{escape(notice)}</p>'
    body = (
        f"<h1>{escape(title)}</h1>"
        f"<p>This link is for <strong>{escape(official_name)}</strong>. To open the notes, "
        f"enter the one-time code we send to {escape(channel)}.</p>{message}"
        f'<div class="review"><form method="post" action="{escape(base)}/code">{link.hidden()}'
        '<button type="submit" name="send" value="1">Send me a code</button></form>'
        f'<form method="post" action="{escape(base)}/login">{link.hidden()}'
        '<label for="code">One-time code</label> '
        '<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"'
        ' maxlength="12" required> <button type="submit">Open the notes</button></form></div>')
    return _document(office=office, title=title, state="Sign in", body=body)


def message(*, office: str, title: str, text: str) -> str:
    """A page that only says something (an expired link, a session that ended)."""
    return _document(office=office, title=title, state="",
                     body=f"<h1>{escape(title)}</h1><p class=\"notice\">{escape(text)}</p>")


def panel(*, base: str, csrf: str, version: int, approved: bool, official_name: str,
          text: str, notice: str = "", done: bool = False) -> str:
    """The review forms for the version shown: Approve, Request changes, Edit (an amendment,
    with its reason, when the notes are approved)."""
    token = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    shown = f'<input type="hidden" name="version" value="{version}">'
    said = (f'<p class="{"done" if done else "notice"}" role="status">{escape(notice)}</p>'
            if notice else "")
    approve = ("" if approved else
               f'<form method="post" action="{escape(base)}/act">{token}{shown}'
               '<input type="hidden" name="action" value="approve">'
               f'<button type="submit" id="approve">Approve version {version}</button></form>')
    changes = ("" if approved else
               f'<form method="post" action="{escape(base)}/act">{token}{shown}'
               '<input type="hidden" name="action" value="changes">'
               '<label for="comment">What should change</label>'
               '<textarea id="comment" name="comment" maxlength="3000"></textarea>'
               '<button type="submit">Request changes</button></form>')
    reason = ('<label for="reason">Why the approved notes are amended</label>'
              '<input id="reason" name="reason" type="text" maxlength="180" required>'
              if approved else "")
    edit = (f'<details><summary>{"Amend" if approved else "Edit"} the notes</summary>'
            f'<form method="post" action="{escape(base)}/act">{token}{shown}'
            f'<input type="hidden" name="action" value="{"amend" if approved else "edit"}">'
            f'<textarea name="text" rows="16">{escape(text)}</textarea>{reason}'
            '<button type="submit">Save a new version</button></form></details>')
    return (f'<section class="review" aria-label="Review"><p>Signed in as '
            f"<strong>{escape(official_name)}</strong>.</p>{said}{approve}{changes}{edit}"
            "</section>")


def _document(*, office: str, title: str, state: str, body: str) -> str:
    css = style.stylesheet(office=office, state=state, title=title)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"robots\" content=\"noindex\">\n"
            f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
            f'<header class="letterhead"><p class="office">{escape(office)}</p></header>\n'
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")
