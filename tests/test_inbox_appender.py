"""The inbox writers on the acknowledgement's path: a request is written once per dedupe key,
whether its copy comes in the same group or a later one, and a broken connection costs only the
group it broke (the next group opens a new one)."""

from __future__ import annotations

import asyncio

import pytest

from bot.dispatch.dispatcher import Actor
from bot.dispatch.grammar import parse_invocation
from bot.dispatch.inbox import Work, record, record_async
from bot.dispatch.slash import command_for
from tests.conftest import COORDINATOR


def work(text: str = "list") -> Work:
    return Work(command_for(parse_invocation(text)), Actor(COORDINATOR, "CGENERAL1"), None)


def stored_keys(container) -> list[str]:
    with container.inbox_db.unit_of_work(read_only=True) as uow:
        return [row.dedupe_key for row in uow.inbox.list()]


def test_the_thread_writer_adds_each_key_once(container):
    appender = container.inbox_db.inbox_appender()
    assert record(appender, container.clock, [("a", work()), ("b", work()), ("a", work())]) \
        == [True, True, False]
    assert record(appender, container.clock, [("b", work()), ("c", work())]) == [False, True]
    assert stored_keys(container) == ["a", "b", "c"]


def test_the_loop_writer_on_postgresql_adds_each_key_once_and_survives_a_broken_connection(
        container, backend):
    appender = container.inbox_db.async_inbox_appender()
    if backend != "postgresql":
        assert appender is None  # SQLite's writer is the thread
        return

    async def scenario() -> list[bool]:
        assert await record_async(appender, container.clock,
                                  [("a", work()), ("b", work()), ("a", work())]) \
            == [True, True, False]
        with pytest.raises(Exception, match="terminat"):
            await appender._connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return await record_async(appender, container.clock, [("b", work()), ("c", work())])

    assert asyncio.run(scenario()) == [False, True]  # written over a new connection
    assert stored_keys(container) == ["a", "b", "c"]
