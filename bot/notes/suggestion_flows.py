"""What the review card's transcript buttons do; the dispatcher runs them (role, transaction,
reply). Accepting as an action item is the actions capability's command (it resolves the owner
and the due date), which hands its item to ``suggestion_review``."""

from __future__ import annotations

from bot.directory.service import people
from bot.dispatch.dispatcher import Context, Route
from bot.dispatch.reply import Reply
from bot.errors import NotFound
from bot.notes import suggestion_blocks
from bot.notes.commands import AcceptSuggestion, DropSuggestion, KeepTranscript, OpenSuggestionActionForm
from bot.notes.rules.suggestions import SUGGESTED
from bot.notes.service import suggestion_review
from bot.notes.service.review import check_editable, require_editor
from bot.notes.service.versions import name_of


def accept(command: AcceptSuggestion, context: Context) -> Reply:
    _remember(context)
    notes = suggestion_review.accept_as_decision(
        context.uow, suggestion_id=command.suggestion_id, actor=context.user,
        roles=context.ports.roles, now=context.now, settings=context.settings)
    return Reply(f"Accepted as a decision: it is in the notes' decisions as version "
                 f"{notes.version}, with your name. The review card's update is queued.")


def drop(command: DropSuggestion, context: Context) -> Reply:
    suggestion_review.drop(context.uow, suggestion_id=command.suggestion_id, actor=context.user,
                           roles=context.ports.roles, now=context.now, settings=context.settings)
    return Reply("Dropped: that line stays only in the transcript; no decision or action item "
                 "was made from it.")


def keep(command: KeepTranscript, context: Context) -> Reply:
    changed = suggestion_review.keep_transcript(
        context.uow, notes_id=command.notes_id, keep=command.keep, actor=context.user,
        roles=context.ports.roles, now=context.now, settings=context.settings)
    what = ("kept: it is published with the notes" if command.keep
            else "removed: it is left out of the published notes")
    return Reply(f"The transcript section is {what}." if changed
                 else f"Nothing changed: the transcript section was already {what.split(':')[0]}.")


def action_form(command: OpenSuggestionActionForm, context: Context) -> dict:
    require_editor(context.ports.roles, context.user)
    suggestion = context.uow.transcripts.suggestion(command.suggestion_id)
    if suggestion is None:
        raise NotFound("That suggestion no longer exists: the transcript may have been purged.")
    if suggestion.status != SUGGESTED:
        raise NotFound(f"That suggestion was already decided by "
                       f"{name_of(context.uow)(suggestion.decided_by or 'someone')}.")
    notes = context.uow.notes.for_call(suggestion.call_id)
    if notes is not None:
        check_editable(context.uow, notes, settings=context.settings)
    return suggestion_blocks.action_modal(suggestion_id=suggestion.id,
                                          channel=context.actor.channel or context.user,
                                          text=suggestion.text)


def _remember(context: Context) -> None:
    people.remember(context.uow, context.user, context.prepared, context.now)


def _reviewer_name(command, actor, ports) -> str | None:
    return ports.name_of(actor.user)


ROUTES = (
    Route(AcceptSuggestion, accept, before=_reviewer_name),
    Route(DropSuggestion, drop),
    Route(KeepTranscript, keep),
    Route(OpenSuggestionActionForm, action_form, read_only=True),
)
