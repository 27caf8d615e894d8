"""Lookups of many values at once (``bot.db.stores.membership``): an opt-out check of a notice's
thousands of numbers, the early statuses of a batch's sids, a purge of finished requests. On
PostgreSQL the list is one bound array; on SQLite it is cut into lists under its parameter
limit. Either way every value is looked up, and none is found that was not asked about."""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import EarlyStatus, InboxRequest

COUNT = 2500  # nearly three of SQLite's lists of 900


def phone(i: int) -> str:
    return f"+1415{6000000 + i:07d}"


def test_opted_out_and_erased_among_thousands_of_numbers(db, clock):
    stopped = {phone(i) for i in range(0, COUNT, 7)}
    erased = {phone(i) for i in range(3, COUNT, 11)} - stopped
    with db.unit_of_work() as uow:
        for number in sorted(stopped):
            uow.sms.opt_out(number, source="sms", at=clock.now())
        for number in sorted(erased):
            uow.erased.add(number, at=clock.now())
        uow.commit()
    asked = [phone(i) for i in range(COUNT)]
    with db.unit_of_work(read_only=True) as uow:
        assert uow.sms.opted_out_among(asked) == stopped | erased
        assert uow.sms.opted_out_among(asked[1:3]) == set()  # neither 1 nor 2 is in either
        assert uow.sms.opted_out_among([]) == set()
        assert uow.voice.opted_out_among(asked) == erased


def test_early_statuses_of_a_long_list_are_taken_once(db, clock):
    kept = [f"SM{i:032x}" for i in range(0, COUNT, 3)]
    with db.unit_of_work() as uow:
        for sid in kept:
            uow.sms.keep_early_status(sid, "delivered", None, clock.now())
        uow.commit()
    asked = [f"SM{i:032x}" for i in range(COUNT)]
    with db.unit_of_work() as uow:
        assert sorted(early.sid for early in uow.sms.take_early_statuses(asked)) == kept
        uow.commit()
    with db.unit_of_work(read_only=True) as uow:
        assert uow.sms.take_early_statuses(asked) == []
        assert uow.session.query(EarlyStatus).count() == 0


def test_finished_requests_forgotten_by_the_thousand(db, clock):
    with db.unit_of_work() as uow:
        uow.session.add_all(
            InboxRequest(dedupe_key=f"req-{i}", kind="slash", work=b"{}", status="done",
                         received_at=clock.now() - timedelta(days=2), attempts=1)
            for i in range(COUNT))
        uow.commit()
    with db.unit_of_work() as uow:
        ids = sorted(request.id for request in uow.inbox.list(status="done"))
        assert uow.inbox.forget(ids[:COUNT - 10]) == COUNT - 10
        uow.commit()
    with db.unit_of_work(read_only=True) as uow:
        assert sorted(request.id for request in uow.inbox.list()) == ids[COUNT - 10:]
