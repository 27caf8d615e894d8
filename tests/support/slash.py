"""Service tests run commands as the worker does: a typed command through the dispatcher.

``Slash`` reads like the Slack side of the product (``run`` takes what a person types), so the
tests say what a coordinator did; every method builds the same command a handler would.
"""

from __future__ import annotations

import dataclasses

from bot.actions.commands import AddActionFromMessage, MarkActionDoneById
from bot.bootstrap import Container
from bot.dispatch.dispatcher import Actor, Dispatcher
from bot.dispatch.grammar import Invocation, parse_invocation
from bot.dispatch.reply import Reply
from bot.dispatch.slash import command_for
from bot.incidents.commands import CloseIncident, DeclareIncident, ListIncidents
from bot.incidents.rules import IncidentDraft
from bot.notes.commands import (
    ApproveNotes,
    RecordChannelMessage,
    RecordReaction,
    RequestNotesChanges,
    SaveNotesEdit,
    ShowNotes,
)
from bot.sms.commands import CancelNotice, ConfirmNotice


class Slash:
    def __init__(self, container: Container):
        """The container's dispatcher, with the container's settings (tests replace them)."""
        ports = dataclasses.replace(container.dispatcher.ports, settings=container.settings)
        self._dispatcher = Dispatcher(container.dispatcher.routes.values(), ports)

    def send(self, command, *, user: str, channel: str | None = None):
        return self._dispatcher.run(command, Actor(user, channel))

    def run(self, invocation: Invocation | str, *, user: str, channel: str | None = None) -> Reply:
        if isinstance(invocation, str):
            invocation = parse_invocation(invocation)
        return self.send(command_for(invocation), user=user, channel=channel)

    def declare(self, draft: IncidentDraft, *, user: str) -> Reply:
        return self.send(DeclareIncident(draft), user=user)

    def list(self, which: str) -> Reply:
        return self.send(ListIncidents(which), user="UANYONE01")

    def confirm_close(self, key: str, *, user: str) -> Reply:
        return self.send(CloseIncident(key), user=user)

    def wait_out_undo_window(self) -> None:
        """Lets a small notice's undo window (``sms.small_send_hold_s``) pass on the fake clock:
        only then are its texts due."""
        ports = self._dispatcher.ports
        ports.clock.advance(seconds=ports.settings.sms.small_send_hold_s + 1)

    def confirm_notice(self, notice_id: int, *, user: str) -> Reply:
        return self.send(ConfirmNotice(int(notice_id)), user=user)

    def cancel_notice(self, notice_id: int, *, user: str) -> Reply:
        return self.send(CancelNotice(int(notice_id)), user=user)

    def approve(self, notes_id: int, version: int, *, user: str) -> Reply:
        return self.send(ApproveNotes(notes_id, version), user=user)

    def save_edit(self, notes_id: int, text: str, *, user: str,
                  base_version: int | None = None) -> Reply:
        return self.send(SaveNotesEdit(notes_id, text, base_version), user=user)

    def request_changes(self, notes_id: int, comment: str, *, user: str) -> Reply:
        return self.send(RequestNotesChanges(notes_id, comment), user=user)

    def show(self, key: str | None, number: int | None, *, user: str,
             channel: str | None) -> Reply:
        return self.send(ShowNotes(key, number), user=user, channel=channel)

    def add_from_message(self, channel: str, ts: str, text: str, owner: str, due: str, *,
                         user: str) -> Reply:
        return self.send(AddActionFromMessage(channel, ts, owner, text, due), user=user,
                         channel=channel)

    def done_by_id(self, action_id: int, *, user: str) -> Reply:
        return self.send(MarkActionDoneById(action_id), user=user)

    def record_channel_message(self, channel: str, ts: str, user: str | None,
                               text: str | None, subtype: str | None = None) -> None:
        return self.send(RecordChannelMessage(channel, ts, user, text, subtype), user=user or "",
                         channel=channel)

    def record_reaction(self, channel: str, ts: str, reaction: str, user: str,
                        author: str | None = None) -> None:
        return self.send(RecordReaction(channel, ts, reaction, user, author), user=user,
                         channel=channel)
