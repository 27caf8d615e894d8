"""The start most service tests share: Hurricane Xavier declared, a small directory imported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.bootstrap import Container
from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.incidents import service as incidents
from tests.conftest import COORDINATOR
from tests.support.slash import Slash

DECLARE = 'hurricane "Hurricane Xavier" FL,GA'


def declared_with_contacts(container: Container, people: Sequence[ContactRecord],
                           declare: str = DECLARE) -> Slash:
    """INC-2026-0001 declared by the coordinator, ``people`` imported, the outbox drained."""
    commands = Slash(container)
    commands.declare(parse_declare(declare), user=COORDINATOR)
    import_people(container, people)
    container.worker.drain()
    return commands


def import_people(container: Container, people: Sequence[ContactRecord]) -> None:
    """``people`` in the directory, imported at the container's time."""
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, people, source="t", actor="t", now=container.clock.now())
        uow.commit()


def call(commands: Slash, text: str, user: str = COORDINATOR) -> str:
    """``/incident call INC-2026-0001 {text}`` by ``user``; the reply's text."""
    return commands.run(Invocation("call", key="INC-2026-0001", text=text), user=user,
                        channel=None).text


def hosted_call(container: Container, *, starts_at: datetime, transcribe: bool | None = None,
                minutes: int = 30):
    """A call on the bot's phone bridge for a new flood incident, scheduled at ``starts_at``."""
    now = container.clock.now()
    with container.db.unit_of_work() as uow:
        incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                     draft=parse_declare('flood "River" FL'))
        [call] = calls.schedule(
            uow, incident=incident, actor=COORDINATOR, now=now, settings=container.settings,
            request=ScheduleRequest(starts_at=starts_at, duration=timedelta(minutes=minutes),
                                    agenda="", bridge="twilio", recurrence=None,
                                    zone="America/New_York", transcribe=transcribe))
        uow.commit()
        return call
