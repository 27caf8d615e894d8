"""A realistic incident for the retention and erasure tests: a call with attendance, RSVPs, an
SMS notice, texts in, a timeline update, an action item, a marked channel message, a transcript
and notes (an edited draft and the approved version), then closed."""

from __future__ import annotations

from types import SimpleNamespace

from bot.dispatch.grammar import Invocation
from bot.notes.service import marks as channel_marks
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.notes import ANA, KEY, TEXT, attach, draft, finished_call
from tests.support.slash import Slash
from tests.support.sms import sms_in

NAME = "Ana Ruiz"


def lived_incident(container, clock, *, close: bool = True, approve: bool = True):
    """INC-2026-0001 as it is after a few days of work (see the module); returns its ids."""
    call = finished_call(container, clock)
    commands = Slash(container)
    sms_in(container, "Sí", ANA)
    sms_in(container, f"Soy {NAME}, the shelter on 5th street needs water", ANA)
    commands.run(f"update {KEY} {NAME} (202) 555-0101 reports flooding on 5th", user=COORDINATOR)
    commands.run(Invocation("action", key=KEY, text=f'add "{NAME}" "Count the cots"'),
                 user=COORDINATOR)
    commands.run(f"notify {KEY} Shelters are open.\nes: Los refugios están abiertos.",
                 user=COORDINATOR)
    commands.wait_out_undo_window()
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        channel = uow.incidents.by_key(KEY).channel_id
        channel_marks.record_message(uow, channel=channel, ts="1764255600.000100",
                                     user=COORDINATOR, text=f"DECISION: {NAME} leads the shelter",
                                     now=clock.now())
        uow.commit()
    attach(container, call, f"[00:01] {NAME}: ISSUE: no water at the 5th street shelter")
    notes_id = draft(container, call, text=TEXT + f"- {NAME} asked for water\n")
    if approve:
        commands.save_edit(notes_id, TEXT + "- Water for the 5th street shelter\n",
                           user=COORDINATOR)
        commands.approve(notes_id, 2, user=OFFICIAL)
    if close:
        commands.confirm_close(KEY, user=COORDINATOR)
    container.worker.drain()
    clock.advance(minutes=5)  # the deferred cards and summaries come due
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        return SimpleNamespace(incident_id=uow.incidents.by_key(KEY).id, call=call,
                               notes_id=notes_id)


def every_row(db) -> dict[str, list[tuple]]:
    """Every row of every table, read through the database's own schema (reflected, not our
    models), values as text: to tell that nothing changed, and to search for a person."""
    from sqlalchemy import MetaData, select

    metadata = MetaData()
    metadata.reflect(db.engine)
    with db.engine.connect() as connection:
        return {name: sorted(tuple(_plain(value) for value in row)
                             for row in connection.execute(select(table)))
                for name, table in metadata.tables.items()}


def _plain(value) -> str:
    import json

    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def finished_request(container, key: str, text: str, *, status: str = "done") -> None:
    """An acknowledged request run at the clock's time, its command (as the inbox keeps it:
    pickled) carrying ``text``."""
    import pickle

    from bot.db.models import InboxRequest
    from bot.incidents.commands import PostUpdate

    now = container.clock.now()
    with container.inbox_db.unit_of_work() as uow:
        uow.session.add(InboxRequest(dedupe_key=key, kind="PostUpdate", status=status,
                                     work=pickle.dumps(PostUpdate(KEY, text)), attempts=1,
                                     received_at=now, finished_at=now if status != "pending"
                                     else None))
        uow.commit()


def requests(container) -> list[str]:
    from bot.db.models import InboxRequest

    with container.inbox_db.unit_of_work(read_only=True) as uow:
        return [r.dedupe_key for r in uow.session.query(InboxRequest).order_by(InboxRequest.id)]
