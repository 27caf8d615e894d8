"""What each notes command does; the dispatcher runs them (role, transaction, reply).

The signed browser link to notes is shown only in the review channel: replies elsewhere (the
incident channel included) give the status and a link to the review card, never the text's link.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import links
from bot.db.models import CallNotes
from bot.directory.service import people
from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.reply import Reply
from bot.errors import NotFound, PermissionDenied
from bot.i18n.rules import local_time
from bot.incidents import service as incidents
from bot.notes import blocks as notes_blocks
from bot.notes.commands import (
    ApproveNotes,
    AttachTranscript,
    OpenChangesForm,
    OpenNotesEditor,
    RequestNotesChanges,
    SaveNotesEdit,
    ShowNotes,
    ShowNotesStatus,
)
from bot.notes.rules.subcommand import EXAMPLE
from bot.notes.service import review as notes_review
from bot.ports import DeliveryError
from bot.slack_ui.text import escape

SHOW_LIMIT = 12_000


def _incident(context: Context, key: str | None):
    return incidents.find(context.uow, key=key, channel_id=context.actor.channel, example=EXAMPLE)


@dataclass(frozen=True)
class Status:
    """What ``/incident notes`` found, for the reply composed after the transaction."""

    lines: list[str]
    notes_id: int | None = None
    review: tuple[str | None, str | None] = (None, None)
    queued_now: bool = False
    failure: str | None = None
    in_review: bool = False


def status(command: ShowNotesStatus, context: Context) -> Status:
    uow, settings = context.uow, context.settings
    incident = _incident(context, command.key)
    found = uow.notes.for_incident(incident.id)
    if not found:
        return Status([f"{incident.key} has no call notes yet: they are drafted when a call "
                       "ends, then wait for an official's review."])
    notes = max(found, key=lambda n: uow.calls.get(n.call_id).number)
    queued_now = notes.review_channel is None and notes_review.queue_card(
        uow, notes, now=context.now, settings=settings)
    first = uow.outbox.by_key(notes_review.card_key(notes.id))
    channel = context.actor.channel
    return Status(
        lines=_status_lines(context, notes, incident.key) + _others(context, found, notes),
        notes_id=notes.id, review=(notes.review_channel, notes.review_ts), queued_now=queued_now,
        failure=first.error_code if first is not None and first.status == "failed" else None,
        in_review=channel is not None and channel in (notes.review_channel,
                                                      settings.notes.review_channel))


def status_reply(command: ShowNotesStatus, found: Status, actor: Actor, ports: Ports) -> Reply:
    lines = list(found.lines)
    if found.notes_id is None:
        return Reply("\n".join(lines))
    lines.append(_review_line(ports, *found.review, queued_now=found.queued_now,
                              failure=found.failure))
    settings = ports.settings
    if found.in_review and links.can_sign(settings):
        url = links.notes_url(settings, found.notes_id, now=ports.clock.now())
        lines.append(f"<{escape(url)}|Open the full notes in a browser> (valid for "
                     f"{settings.notes.link_ttl_h} h; share it only with reviewers).")
    return Reply("\n".join(lines))


def _status_lines(context: Context, notes: CallNotes, key: str) -> list[str]:
    zone = context.settings.timezone
    call = context.uow.calls.get(notes.call_id)
    latest = notes_review.current(context.uow, notes)
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


def _others(context: Context, found: list[CallNotes], latest: CallNotes) -> list[str]:
    others = [f"call {context.uow.calls.get(n.call_id).number}: "
              f"{notes_blocks.status_label(n.status, n.version)}" for n in found
              if n.id != latest.id]
    return [f"Earlier notes — {'; '.join(others)}."] if others else []


def _review_line(ports: Ports, channel: str | None, ts: str | None, *, queued_now: bool,
                 failure: str | None) -> str:
    if ts and channel:
        return f"Review card: {_permalink(ports, channel, ts)}"
    if channel and failure:
        return (f":warning: The review card could not be posted to <#{channel}> "
                f"(`{failure}`). Invite the bot to that channel, then an administrator can "
                "run `coordbot messages retry --failed`.")
    if channel:
        verb = "is now queued" if queued_now else "is queued"
        return (f"The review card {verb} for <#{channel}>; `/incident notes` gives its link "
                "once it is posted.")
    return ("No review channel is configured (`notes.review_channel`, or else "
            "`slack.announcements_channel`), so the draft waits: ask an administrator to set "
            "one. Nothing is posted anywhere before it is reviewed and approved.")


def _permalink(ports: Ports, channel: str, ts: str) -> str:
    try:
        return ports.slack.permalink(channel, ts)
    except (AttributeError, DeliveryError):
        return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def show(command: ShowNotes, context: Context) -> Reply:
    notes = _notes_of(context, _incident(context, command.key), command.number)
    shown = notes_review.view(context.uow, notes, settings=context.settings)
    roles = context.ports.roles
    if shown.status != notes_review.APPROVED and not (
            roles.has("coordinator", context.user) or roles.has("official", context.user)):
        raise PermissionDenied(f"The notes of call {shown.call_number} are not approved yet: "
                               "only coordinators and officials can read drafts. They are "
                               "posted in the incident channel once an official approves.")
    text = notes_blocks.mrkdwn(notes_blocks.without_title(shown.text))
    if len(text) > SHOW_LIMIT:
        text = notes_blocks.split(text, SHOW_LIMIT)[0] + (
            "\n… _(cut here: `coordbot notes export` or the review channel's link has the "
            "rest)_")
    return Reply(f"*Notes of {shown.incident_key} call {shown.call_number}* — "
                 f"{escape(shown.banner)}\n\n{text}")


def _notes_of(context: Context, incident, number: int | None) -> CallNotes:
    uow = context.uow
    by_number = {uow.calls.get(n.call_id).number: n for n in uow.notes.for_incident(incident.id)}
    if number is None and by_number:
        return by_number[max(by_number)]
    if number in by_number:
        return by_number[number]
    if number is None:
        raise NotFound(f"{incident.key} has no call notes yet.")
    raise NotFound(f"Call {number} of {incident.key} has no notes"
                   + (f" (calls with notes: {', '.join(map(str, sorted(by_number)))})."
                      if by_number else "."))


def attach(command: AttachTranscript, context: Context) -> Reply:
    incident = _incident(context, command.key)
    call = _call(context, incident, command.number)
    return Reply(notes_review.attach_transcript(
        context.uow, call=call, text=command.text, source=f"slack:{context.user}",
        actor=context.user, now=context.now, settings=context.settings))


def _call(context: Context, incident, number: int | None):
    uow = context.uow
    if number is not None:
        call = uow.calls.by_number(incident.id, number)
        if call is None:
            raise NotFound(f"{incident.key} has no call {number}. "
                           "`/incident call list` shows them.")
        return call
    started = [c for c in uow.calls.for_incident(incident.id) if c.starts_at <= context.now
               and c.status != "cancelled"]
    if not started:
        raise NotFound(f"{incident.key} has no call that has started yet: name the call.")
    return max(started, key=lambda c: c.starts_at)


def _reviewer_name(command, actor: Actor, ports: Ports) -> str | None:
    """The reviewer's Slack name (asked before the transaction), for exported notes."""
    return ports.name_of(actor.user)


def _remember_reviewer(context: Context) -> None:
    people.remember(context.uow, context.user, context.prepared, context.now)


def approve(command: ApproveNotes, context: Context) -> Reply:
    _remember_reviewer(context)
    uow = context.uow
    notes = notes_review.approve(uow, notes_id=command.notes_id, version=command.version,
                                 actor=context.user, roles=context.ports.roles, now=context.now,
                                 settings=context.settings)
    incident = uow.incidents.get(notes.incident_id)
    summaries = sum(uow.outbox.count_by_status(
        key_prefix=notes_review.summary_key_prefix(notes.id)).values())
    places = len(notes_review.publish_targets(incident, context.settings))
    texts = f", and an SMS summary to {summaries} attendee(s)" if summaries else ""
    return Reply(f"Approved version {notes.approved_version}. Publishing is queued: the notes "
                 f"go to the incident channel{f' and {places - 1} more' if places > 1 else ''}"
                 f"{texts}. They appear there once posted; if Slack refuses a post, the bot tells "
                 "you in a direct message.")


def save_edit(command: SaveNotesEdit, context: Context) -> Reply:
    _remember_reviewer(context)
    notes = notes_review.edit(context.uow, notes_id=command.notes_id, text=command.text,
                              actor=context.user, roles=context.ports.roles, now=context.now,
                              settings=context.settings, base_version=command.base_version)
    return Reply(f"Saved as version {notes.version}. The review card's update is queued and "
                 "will show it; it is published only when an official approves it.")


def request_changes(command: RequestNotesChanges, context: Context) -> Reply:
    _remember_reviewer(context)
    notes_review.request_changes(context.uow, notes_id=command.notes_id, comment=command.comment,
                                 actor=context.user, roles=context.ports.roles, now=context.now,
                                 settings=context.settings)
    return Reply("Changes requested: your comment and the card's new mark are queued for the "
                 "review channel. Nothing is published until an official approves.")


def editor(command: OpenNotesEditor, context: Context) -> dict:
    notes = notes_review.get(context.uow, command.notes_id)
    notes_review.check_editable(context.uow, notes, settings=context.settings)
    return notes_blocks.edit_modal(notes_id=notes.id, version=notes.version,
                                   channel=context.actor.channel or context.user,
                                   title=notes_review.title(context.uow, notes),
                                   text=notes_review.current(context.uow, notes).text)


def changes_form(command: OpenChangesForm, context: Context) -> dict:
    notes = notes_review.get(context.uow, command.notes_id)
    notes_review.check_editable(context.uow, notes, settings=context.settings)
    return notes_blocks.changes_modal(notes_id=notes.id,
                                      channel=context.actor.channel or context.user,
                                      title=f"{notes_review.title(context.uow, notes)}, "
                                            f"version {notes.version}")


def _editor_role(command, actor: Actor, ports: Ports) -> None:
    notes_review.require_editor(ports.roles, actor.user)


ROUTES = (
    Route(ShowNotesStatus, status, after=status_reply),
    Route(ShowNotes, show, read_only=True),
    Route(AttachTranscript, attach, before=_editor_role),
    Route(ApproveNotes, approve, before=_reviewer_name),
    Route(SaveNotesEdit, save_edit, before=_reviewer_name),
    Route(RequestNotesChanges, request_changes, before=_reviewer_name),
    Route(OpenNotesEditor, editor, read_only=True, before=_editor_role),
    Route(OpenChangesForm, changes_form, "official", "request changes to call notes",
          read_only=True),
)
