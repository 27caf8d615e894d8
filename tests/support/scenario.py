"""The start most service tests share: Hurricane Xavier declared, a small directory imported."""

from __future__ import annotations

from collections.abc import Sequence

from bot.bootstrap import Container
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
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
