"""``/incident notes …`` and the review card's buttons and modals.

The signed browser link to notes is shown only in the review channel: replies elsewhere (the
incident channel included) give the status and a link to the review card, never the text's link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.access import links
from bot.db.models import CallNotes
from bot.db.unit_of_work import UnitOfWork
from bot.directory.service import people
from bot.dispatch.reply import Reply
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.i18n.formatting import local_time
from bot.incidents import service as incidents
from bot.notes import blocks as notes_blocks
from bot.notes.service import review as notes_review
from bot.ports import DeliveryError
from bot.slack_ui.text import escape

if TYPE_CHECKING:
    from bot.bootstrap import Container
    from bot.dispatch.grammar import Invocation

EXAMPLE = "/incident notes INC-2026-0001 show 2"
ACTIONS = ("show", "attach")
SHOW_LIMIT = 12_000


def parse_notes_action(text: str) -> tuple[str, int | None, str]:
    """``""`` → status; ``"show 2"``; ``"attach 2 DECISION: …"`` (the call number is optional)."""
    action, _, rest = text.strip().partition(" ")
    action = action.lower()
    if not action:
        return "status", None, ""
    if action not in ACTIONS:
        raise InvalidInput(f"Unknown notes action {action!r}: use show or attach, or nothing for "
                           "the notes' status.", EXAMPLE)
    first, _, remainder = rest.strip().partition(" ")
    number = None
    if first.lstrip("#").isdigit():
        number, rest = int(first.lstrip("#")), remainder
    elif action == "show" and first:
        raise InvalidInput(f"{first!r} is not a call number.", "/incident notes show 2")
    if action == "attach" and not rest.strip():
        raise InvalidInput("Paste the transcript's text after `attach` (and the call number).",
                           "/incident notes attach 2 DECISION: open the Lincoln High shelter")
    return action, number, rest.strip()


class NotesCommands:
    def __init__(self, container: Container):
        self._c = container

    def run(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        action, number, rest = parse_notes_action(invocation.text)
        if action == "attach":
            return self.attach(invocation.key, number, rest, user=user, channel=channel)
        if action == "show":
            return self.show(invocation.key, number, user=user, channel=channel)
        return self.status(invocation.key, user=user, channel=channel)

    # ----- /incident notes ---------------------------------------------------------------------
    def status(self, key: str | None, *, user: str, channel: str | None) -> Reply:
        settings = self._c.settings
        with self._c.db.unit_of_work() as uow:
            incident = self._incident(uow, key, channel)
            found = uow.notes.for_incident(incident.id)
            if not found:
                return Reply(f"{incident.key} has no call notes yet: they are drafted when a call "
                             "ends, then wait for an official's review.")
            notes = max(found, key=lambda n: uow.calls.get(n.call_id).number)
            queued_now = notes.review_channel is None and notes_review.queue_card(
                uow, notes, now=self._c.clock.now(), settings=settings)
            uow.commit()
            lines = self._status_lines(uow, notes, incident.key)
            lines += self._others(uow, found, notes)
            review, notes_id = (notes.review_channel, notes.review_ts), notes.id
            first = uow.outbox.by_key(notes_review.card_key(notes.id))
            failure = first.error_code if first is not None and first.status == "failed" else None
            in_review = channel is not None and channel in (review[0], settings.notes.review_channel)
        if queued_now:
            self._c.wakeup.notify()
        lines.append(self._review_line(*review, queued_now=queued_now, failure=failure))
        if in_review and links.can_sign(settings):
            url = links.notes_url(settings, notes_id, now=self._c.clock.now())
            lines.append(f"<{escape(url)}|Open the full notes in a browser> (valid for "
                         f"{settings.notes.link_ttl_h} h; share it only with reviewers).")
        return Reply("\n".join(lines))

    def _status_lines(self, uow: UnitOfWork, notes: CallNotes, key: str) -> list[str]:
        zone = self._c.settings.timezone
        call = uow.calls.get(notes.call_id)
        latest = notes_review.current(uow, notes)
        lines = [f"*Notes of {key} call {call.number}:* "
                 f"{notes_blocks.status_label(notes.status, notes.version)}",
                 f"Version {notes.version} by {notes_blocks.who(latest.author)}, "
                 f"{local_time(latest.created_at, zone)}: {escape(latest.reason)}."]
        if notes.status == notes_review.APPROVED and notes.approved_at:
            lines.append(f"Approved by {notes_blocks.who(notes.approved_by)} at "
                         f"{local_time(notes.approved_at, zone)} and published.")
        else:
            lines.append("Nothing is published before an official approves the notes.")
        return lines

    def _others(self, uow: UnitOfWork, found: list[CallNotes], latest: CallNotes) -> list[str]:
        others = [f"call {uow.calls.get(n.call_id).number}: "
                  f"{notes_blocks.status_label(n.status, n.version)}" for n in found
                  if n.id != latest.id]
        return [f"Earlier notes — {'; '.join(others)}."] if others else []

    def _review_line(self, channel: str | None, ts: str | None, *, queued_now: bool,
                     failure: str | None) -> str:
        if ts and channel:
            return f"Review card: {self._permalink(channel, ts)}"
        if channel and failure:
            return (f":warning: The review card could not be posted to <#{channel}> "
                    f"(`{failure}`). Invite the bot to that channel, then an administrator can "
                    "run `coordbot messages retry --failed`.")
        if channel:
            verb = "is now being posted" if queued_now else "is on its way"
            return f"The review card {verb} to <#{channel}>."
        return ("No review channel is configured (`notes.review_channel`, or else "
                "`slack.announcements_channel`), so the draft waits: ask an administrator to set "
                "one. Nothing is posted anywhere before it is reviewed and approved.")

    def _permalink(self, channel: str, ts: str) -> str:
        try:
            return self._c.slack.permalink(channel, ts)
        except (AttributeError, DeliveryError):
            return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"

    # ----- /incident notes show [N] -----------------------------------------------------------
    def show(self, key: str | None, number: int | None, *, user: str,
             channel: str | None) -> Reply:
        with self._c.db.unit_of_work(read_only=True) as uow:
            incident = self._incident(uow, key, channel)
            notes = self._notes_of(uow, incident, number)
            shown = notes_review.view(uow, notes, settings=self._c.settings)
        roles = self._c.roles
        if shown.status != notes_review.APPROVED and not (
                roles.has("coordinator", user) or roles.has("official", user)):
            raise PermissionDenied(f"The notes of call {shown.call_number} are not approved yet: "
                                   "only coordinators and officials can read drafts. They are "
                                   "posted in the incident channel once an official approves.")
        text = notes_blocks.mrkdwn(shown.text)
        if len(text) > SHOW_LIMIT:
            text = notes_blocks.split(text, SHOW_LIMIT)[0] + (
                "\n… _(cut here: `coordbot notes export` or the review channel's link has the "
                "rest)_")
        return Reply(f"*Notes of {shown.incident_key} call {shown.call_number}* — "
                     f"{escape(shown.banner)}\n\n{text}")

    def _notes_of(self, uow: UnitOfWork, incident, number: int | None) -> CallNotes:
        found = uow.notes.for_incident(incident.id)
        by_number = {uow.calls.get(n.call_id).number: n for n in found}
        if number is None and by_number:
            return by_number[max(by_number)]
        if number in by_number:
            return by_number[number]
        if number is None:
            raise NotFound(f"{incident.key} has no call notes yet.")
        raise NotFound(f"Call {number} of {incident.key} has no notes"
                       + (f" (calls with notes: {', '.join(map(str, sorted(by_number)))})."
                          if by_number else "."))

    # ----- /incident notes attach [N] TEXT ----------------------------------------------------
    def attach(self, key: str | None, number: int | None, text: str, *, user: str,
               channel: str | None) -> Reply:
        notes_review.require_editor(self._c.roles, user)
        now = self._c.clock.now()
        with self._c.db.unit_of_work() as uow:
            incident = self._incident(uow, key, channel)
            call = self._call(uow, incident, number, now)
            message = notes_review.attach_transcript(uow, call=call, text=text,
                                                     source=f"slack:{user}", actor=user, now=now,
                                                     settings=self._c.settings)
            uow.commit()
        self._c.wakeup.notify()
        return Reply(message)

    def _call(self, uow: UnitOfWork, incident, number: int | None, now):
        if number is not None:
            call = uow.calls.by_number(incident.id, number)
            if call is None:
                raise NotFound(f"{incident.key} has no call {number}. "
                               "`/incident call list` shows them.")
            return call
        started = [c for c in uow.calls.for_incident(incident.id) if c.starts_at <= now
                   and c.status != "cancelled"]
        if not started:
            raise NotFound(f"{incident.key} has no call that has started yet: name the call.")
        return max(started, key=lambda c: c.starts_at)

    # ----- the review card's buttons and modals ------------------------------------------------
    def _name(self, user: str) -> str | None:
        """The reviewer's Slack name (asked before the transaction), for exported notes."""
        return self._c.names.lookup(user) if self._c.names else None

    def approve(self, notes_id: int, version: int, *, user: str) -> Reply:
        name = self._name(user)
        with self._c.db.unit_of_work() as uow:
            people.remember(uow, user, name, self._c.clock.now())
            notes = notes_review.approve(uow, notes_id=int(notes_id), version=int(version),
                                         actor=user, roles=self._c.roles,
                                         now=self._c.clock.now(), settings=self._c.settings)
            incident = uow.incidents.get(notes.incident_id)
            summaries = sum(uow.outbox.count_by_status(
                key_prefix=notes_review.summary_key_prefix(notes.id)).values())
            places = len(notes_review.publish_targets(incident, self._c.settings))
            version = notes.approved_version
            uow.commit()
        self._c.wakeup.notify()
        texts = f" and texted as a summary to {summaries} attendee(s)" if summaries else ""
        return Reply(f"Approved version {version}. The notes are being posted to "
                     f"the incident channel{f' and {places - 1} more' if places > 1 else ''}"
                     f"{texts}.")

    def save_edit(self, notes_id: int, text: str, *, user: str,
                  base_version: int | None = None) -> Reply:
        name = self._name(user)
        with self._c.db.unit_of_work() as uow:
            people.remember(uow, user, name, self._c.clock.now())
            notes = notes_review.edit(uow, notes_id=int(notes_id), text=text, actor=user,
                                      roles=self._c.roles, now=self._c.clock.now(),
                                      settings=self._c.settings, base_version=base_version)
            version = notes.version
            uow.commit()
        self._c.wakeup.notify()
        return Reply(f"Saved as version {version}. The review card shows it; it is "
                     "published only when an official approves it.")

    def request_changes(self, notes_id: int, comment: str, *, user: str) -> Reply:
        name = self._name(user)
        with self._c.db.unit_of_work() as uow:
            people.remember(uow, user, name, self._c.clock.now())
            notes_review.request_changes(uow, notes_id=int(notes_id), comment=comment,
                                         actor=user, roles=self._c.roles,
                                         now=self._c.clock.now(), settings=self._c.settings)
            uow.commit()
        self._c.wakeup.notify()
        return Reply("Changes requested: your comment is posted in the review channel and the "
                     "card is marked. Nothing is published until an official approves.")

    def edit_view(self, notes_id: int, *, user: str, channel: str) -> dict:
        """The edit modal for the current version (checked: the user may edit, not approved)."""
        notes_review.require_editor(self._c.roles, user)
        with self._c.db.unit_of_work(read_only=True) as uow:
            notes = notes_review.get(uow, int(notes_id))
            notes_review.check_editable(uow, notes, settings=self._c.settings)
            return notes_blocks.edit_modal(notes_id=notes.id, version=notes.version,
                                           channel=channel, title=notes_review.title(uow, notes),
                                           text=notes_review.current(uow, notes).text)

    def changes_view(self, notes_id: int, *, user: str, channel: str) -> dict:
        self._c.roles.require("official", user, "request changes to call notes")
        with self._c.db.unit_of_work(read_only=True) as uow:
            notes = notes_review.get(uow, int(notes_id))
            notes_review.check_editable(uow, notes, settings=self._c.settings)
            return notes_blocks.changes_modal(notes_id=notes.id, channel=channel,
                                              title=f"{notes_review.title(uow, notes)}, "
                                                    f"version {notes.version}")

    def _incident(self, uow: UnitOfWork, key: str | None, channel: str | None):
        return incidents.find(uow, key=key, channel_id=channel, example=EXAMPLE)
