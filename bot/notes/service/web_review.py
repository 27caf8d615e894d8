"""The officials' web review, use case by use case: the sign-in page a personal link opens,
asking for a code, entering it, the review page, and the forms' actions.

Each returns a :class:`Reply` (status, HTML, and a session cookie to set) for the thin handler
in ``handlers.notes_web``. The actions run the same use cases as the review card in Slack
(``review.approve`` …, version-checked, in the audit trail) with the signed-in official as the
actor (``official:{id}``) and the ``official`` role only (``roles.web_official``). A form whose CSRF
token does not match the session is refused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.access.roles import web_official
from bot.config import OfficialSettings, Settings
from bot.db.unit_of_work import Database
from bot.errors import DomainError
from bot.notes import html as notes_html
from bot.notes import review_html
from bot.notes.service import review, review_access
from bot.notes.service.documents import document
from bot.notes.service.versions import APPROVED, current
from bot.records import access

EXPIRED = ("This review link has expired. Ask a coordinator for a new one (they send it with "
           "`coordbot notes invite`); a new one also comes whenever the notes are amended.")
SIGNED_OUT = "Your session has ended (or was never opened here). Open your review link again."


@dataclass(frozen=True)
class Reply:
    status: int
    html: str
    session_token: str | None = None  # set the session cookie to this
    redirect: str | None = None


def base_path(notes_id: int) -> str:
    return f"/notes/{notes_id}/review"


def _title(db: Database, settings: Settings, notes_id: int) -> str | None:
    with db.unit_of_work(read_only=True) as uow:
        notes = uow.notes.get(notes_id)
        if notes is None:
            return None
        title, _ = document(uow, [notes], settings=settings, one_call=True)
        return title


def _channel(official: OfficialSettings) -> str:
    if official.phone:
        return f"your phone ending {official.phone[-4:]} (SMS)"
    return "you in Slack (a direct message)"


def _checked_link(db: Database, settings: Settings, notes_id: int, link: review_html.LinkParams,
                  now: datetime) -> tuple[OfficialSettings | None, Reply | None]:
    checked = review_access.check_link(settings, notes_id, link.official, link.expires,
                                       link.token, now=now)
    title = _title(db, settings, notes_id) if checked.official or checked.expired else None
    if title is None:
        return None, Reply(404, review_html.message(office=settings.office_name,
                                                    title="Not found", text="Not found."))
    if checked.official is None:
        return None, Reply(410, review_html.message(office=settings.office_name, title=title,
                                                    text=EXPIRED))
    return checked.official, None


def sign_in_page(db: Database, settings: Settings, notes_id: int, link: review_html.LinkParams, *,
                 now: datetime, notice: str = "", sent: bool = False,
                 status: int = 200) -> Reply:
    official, refused = _checked_link(db, settings, notes_id, link, now)
    if refused is not None:
        return refused
    title = _title(db, settings, notes_id) or ""
    return Reply(status, review_html.sign_in(
        office=settings.office_name, title=title, official_name=official.name,
        channel=_channel(official), base=base_path(notes_id), link=link, notice=notice,
        sent=sent))


def ask_code(db: Database, settings: Settings, notes_id: int, link: review_html.LinkParams, *,
             now: datetime) -> Reply:
    official, refused = _checked_link(db, settings, notes_id, link, now)
    if refused is not None:
        return refused
    with db.unit_of_work() as uow:
        why_not = review_access.send_code(uow, notes_id=notes_id, official=official, now=now,
                                          settings=settings)
        uow.commit()
    if why_not:
        return sign_in_page(db, settings, notes_id, link, now=now, notice=why_not, status=429)
    return sign_in_page(db, settings, notes_id, link, now=now, sent=True,
                        notice=f"A code is on its way to {_channel(official)}. It is valid for "
                               f"{settings.web_review.code_ttl_min} minutes.")


def enter_code(db: Database, settings: Settings, notes_id: int, link: review_html.LinkParams,
               code: str, *, now: datetime) -> Reply:
    official, refused = _checked_link(db, settings, notes_id, link, now)
    if refused is not None:
        return refused
    with db.unit_of_work() as uow:
        result = review_access.verify_code(uow, notes_id=notes_id, official=official, code=code,
                                           now=now, settings=settings)
        uow.commit()  # a wrong try is counted, a right code spent
    if result.session_token is None:
        return sign_in_page(db, settings, notes_id, link, now=now, notice=result.refused or "",
                            status=403)
    return Reply(303, "", session_token=result.session_token, redirect=base_path(notes_id))


def review_page(db: Database, settings: Settings, notes_id: int, session: str, *, now: datetime,
                notice: str = "", done: bool = False, status: int = 200) -> Reply:
    with db.unit_of_work(read_only=True) as uow:
        official = review_access.session_official(uow, notes_id=notes_id, token=session, now=now,
                                                  settings=settings)
        notes = uow.notes.get(notes_id) if official else None
        if official is None or notes is None:
            return Reply(401, review_html.message(office=settings.office_name, title="Signed out",
                                                  text=SIGNED_OUT))
        title, parts = document(uow, [notes], settings=settings, one_call=True)
        panel = review_html.panel(
            base=base_path(notes_id), csrf=review_access.csrf_token(settings, session),
            version=notes.version, approved=notes.status == APPROVED,
            official_name=official.name, text=current(uow, notes).text, notice=notice,
            done=done)
        incident_id = notes.incident_id
    access.recorded(db, at=now, actor=official.actor, action=access.NOTES_VIEWED,
                    incident_id=incident_id, notes_id=notes_id, via="web_review")
    return Reply(status, notes_html.page(title, parts, zone=settings.timezone,
                                         office=settings.office_name, panel=panel))


def act(db: Database, settings: Settings, notes_id: int, session: str, form: Mapping[str, str], *,
        now: datetime) -> Reply:
    """Runs the form's action for the signed-in official, then shows the page again with what
    happened (a refusal changes nothing and says why)."""
    with db.unit_of_work(read_only=True) as uow:
        official = review_access.session_official(uow, notes_id=notes_id, token=session, now=now,
                                                  settings=settings)
    if official is None:
        return Reply(401, review_html.message(office=settings.office_name, title="Signed out",
                                              text=SIGNED_OUT))
    if not review_access.valid_csrf(settings, session, form.get("csrf", "")):
        return Reply(403, review_html.message(
            office=settings.office_name, title="Refused",
            text="This form did not come from your review page, so nothing was done. Open the "
                 "page again and use its buttons."))
    try:
        said = _run(db, settings, notes_id, official, form, now=now)
    except DomainError as error:
        return review_page(db, settings, notes_id, session, now=now, notice=str(error),
                           status=409)
    return review_page(db, settings, notes_id, session, now=now, notice=said, done=True)


def _run(db: Database, settings: Settings, notes_id: int, official: OfficialSettings,
         form: Mapping[str, str], *, now: datetime) -> str:
    action, version = form.get("action", ""), _version(form.get("version", ""))
    common = {"notes_id": notes_id, "actor": official.actor, "roles": web_official(official.actor),
              "now": now, "settings": settings}
    with db.unit_of_work() as uow:
        if action == "approve":
            notes = review.approve(uow, version=version, **common)
            said = f"You approved version {notes.version}. The notes are published."
        elif action == "changes":
            notes = review.request_changes(uow, comment=form.get("comment", ""), **common)
            said = "Your request for changes was sent to the editors."
        elif action == "edit":
            notes = review.edit(uow, text=form.get("text", ""), base_version=version, **common)
            said = f"Saved as version {notes.version}: it waits for approval."
        elif action == "amend":
            notes = review.amend(uow, text=form.get("text", ""), reason=form.get("reason", ""),
                                 base_version=version, **common)
            said = f"Amendment saved as version {notes.version}: it needs approval again."
        else:
            raise DomainError("This form asked for nothing the review page offers.")
        uow.commit()
    return said


def _version(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise DomainError("The form did not say which version you were shown: open the page again.")
    return int(value)
