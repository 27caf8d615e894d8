"""Coordination calls at the service layer: invitations, changes, RSVPs, reminders, attendance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import bootstrap
from bot.calls.rules.when import parse_schedule
from bot.calls.service import attendance, calls
from bot.directory.rules.contacts import ContactRecord
from bot.errors import InvalidInput, InvalidTransition, PermissionDenied
from schedules.jobs import fire_due_work
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.scenario import call, declared_with_contacts
from tests.support.sms import sms_in

ANA, MINH, JEAN = "+12025550101", "+12025550102", "+12025550103"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",),
                  timezone="America/Chicago"),
    ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("GA",)),
    ContactRecord(name="Jean Pierre", phone=JEAN, language="ht", regions=("FL",)),
    ContactRecord(name="Staff Member", slack_user_id="USTAFF001", regions=("FL",)),
    ContactRecord(name="Lee Dial", phone="+12025550105", regions=("FL",), tags=("dial-out",)),
]


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def texts(sms, number):
    return [m["body"] for m in sms.sent if m["to"] == number]


def test_scheduling_invites_each_contact_once_in_their_language_and_zone(commands, container,
                                                                            sms, slack):
    reply = call(commands, 'schedule 2026-11-28 15:00 America/New_York for 1h agenda "Shelters"')
    assert "Scheduled call 1" in reply and "Invitations to 5 contacts are queued" in reply
    container.worker.drain()
    ana = texts(sms, ANA)
    assert len(ana) == 1 and "Hurricane Xavier" in ana[0]
    assert "sobre Hurricane Xavier el sábado, 28 de noviembre, 14:00 CST." in ana[0]
    assert "PIN" in ana[0] or "PIN" in texts(sms, MINH)[0] or any(ch.isdigit() for ch in ana[0])
    assert len(texts(sms, MINH)) == 1 and len(texts(sms, JEAN)) == 1
    assert "15:00 EST Thứ Bảy, 28 tháng 11." in texts(sms, MINH)[0]
    assert "samdi 28 novanm, 15:00 EST" in texts(sms, JEAN)[0]
    dms = [p for p in slack.posts if p["channel"] == "USTAFF001"]
    assert len(dms) == 1
    assert any(f["filename"].endswith(".ics") for f in slack.files)
    container.worker.drain()
    assert len(sms.sent) == 4


def test_a_call_given_no_length_lasts_the_offices_default(commands, container):
    container.settings.calls.default_duration_min = 45
    request = parse_schedule("2026-11-28 15:00 America/New_York", now=container.clock.now(),
                             default_zone=container.settings.timezone)
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        scheduled = calls.schedule(uow, incident=incident, request=request, actor=COORDINATOR,
                                   now=container.clock.now(), settings=container.settings)
        assert [c.duration_min for c in scheduled] == [45]


def test_contacts_who_asked_are_dialled_in_at_the_start(commands, container, voice, clock):
    call(commands, "schedule 2026-11-28 15:00 America/New_York")
    container.worker.drain()
    clock.current = datetime(2026, 11, 28, 20, 0, 1, tzinfo=UTC)
    fire_due_work(container)
    container.worker.drain()
    fire_due_work(container)
    container.worker.drain()
    assert [d["to"] for d in voice.dialled] == ["+12025550105"]
    with container.db.unit_of_work() as uow:
        the_call = uow.calls.by_number(uow.incidents.by_key("INC-2026-0001").id, 1)
        attendance.joined(uow, conference=the_call.conference_name, call_sid=voice.dialled[0]["sid"],
                          phone=None, at=clock.now())
        uow.commit()
        assert uow.calls.attendance(the_call.id)[0].phone == "+12025550105"


def test_bad_times_are_explained(commands):
    with pytest.raises(InvalidInput, match="That time has passed"):
        call(commands, "schedule 2026-11-27 09:00 America/New_York")
    with pytest.raises(PermissionDenied):
        call(commands, "schedule tomorrow 3pm ET", user=BYSTANDER)


def test_cancel_and_reschedule_tell_everyone_once(commands, container, sms):
    call(commands, "schedule 2026-11-28 15:00 America/New_York")
    container.worker.drain()
    assert "moved" in call(commands, "reschedule 1 2026-11-29 16:00 America/New_York")
    container.worker.drain()
    assert len(texts(sms, ANA)) == 2
    assert "cancelled" in call(commands, "cancel 1")
    container.worker.drain()
    assert len(texts(sms, ANA)) == 3
    with pytest.raises(InvalidTransition):
        call(commands, "cancel 1")
    container.worker.drain()
    assert len(texts(sms, ANA)) == 3


def test_rsvp_by_sms_in_several_languages(commands, container):
    call(commands, "schedule 2026-11-28 15:00 America/New_York")
    container.worker.drain()
    assert sms_in(container, "Sí", ANA) is not None
    assert sms_in(container, "2", MINH) is not None
    assert sms_in(container, "petèt", JEAN) is not None
    rsvps = call(commands, "rsvps 1")
    assert "1 yes, 1 maybe, 1 no" in rsvps


def test_yes_without_an_invitation_is_start_not_an_rsvp(commands, container):
    with container.db.unit_of_work() as uow:
        uow.sms.opt_out(ANA, source="sms:STOP", at=container.clock.now())
        uow.commit()
    sms_in(container, "YES", ANA)
    with container.db.unit_of_work() as uow:
        assert not uow.sms.is_opted_out(ANA)


def test_reminders_fire_once_across_a_restart_and_skip_declined(commands, container, sms,
                                                                 clock, settings, slack):
    call(commands, "schedule 2026-11-29 15:00 America/New_York")
    container.worker.drain()
    sms_in(container, "NO", MINH)
    before = len(sms.sent)
    clock.current = datetime(2026, 11, 28, 20, 0, 30, tzinfo=UTC)  # the 24 h reminder is due
    assert fire_due_work(container) == 1
    restarted = bootstrap(settings, clock=clock, slack=slack, sms=sms)  # a new process
    assert fire_due_work(restarted) == 0
    restarted.worker.drain()
    reminded = {m["to"] for m in sms.sent[before:]}
    assert reminded == {ANA, JEAN, "+12025550105"}
    restarted.stop()


def test_a_reminder_found_too_late_is_skipped(commands, container, sms, clock):
    call(commands, "schedule 2026-11-29 15:00 America/New_York")
    container.worker.drain()
    before = len(sms.sent)
    clock.current = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)  # an hour late
    fire_due_work(container)
    container.worker.drain()
    assert len(sms.sent) == before


def test_a_daily_series_and_per_occurrence_cancel(commands, container):
    reply = call(commands, "schedule 2026-11-28 15:00 America/New_York every day until 2026-12-01")
    assert "3 more in the series" in reply
    call(commands, "cancel 2")
    listing = call(commands, "list")
    assert listing.count("cancelled") == 1 and "Call 4" in listing


def test_attendance_summary_after_the_call(commands, container, slack, clock):
    call(commands, "schedule 2026-11-28 15:00 America/New_York for 30m")
    container.worker.drain()
    sms_in(container, "1", ANA)
    clock.current = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # the events arrive in real time
    with container.db.unit_of_work() as uow:
        the_call = uow.calls.by_number(uow.incidents.by_key("INC-2026-0001").id, 1)
        name = the_call.conference_name
        start = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
        attendance.joined(uow, conference=name, call_sid="CA1", phone=ANA, at=start)
        attendance.joined(uow, conference=name, call_sid="CA2", phone="+13055550199", at=start)
        attendance.left(uow, call_sid="CA1", at=start.replace(minute=25))
        attendance.ended(uow, conference=name, at=start.replace(minute=30))
        uow.commit()
    container.worker.drain()
    summary = [p["text"] for p in slack.posts if p["text"].startswith("*Attendance")]
    assert len(summary) == 1
    assert "2 joined" in summary[0] and "Ana Ruiz (25 min)" in summary[0]
    assert "Minh Tran" in summary[0] and "+1 ••• ••• 0199" in summary[0]
    clock.current = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
    fire_due_work(container)  # the end job must not post a second summary
    container.worker.drain()
    assert len([p for p in slack.posts if p["text"].startswith("*Attendance")]) == 1


def test_a_call_that_runs_over_is_summed_up_when_the_conference_ends(commands, container, slack,
                                                                      clock):
    call(commands, "schedule 2026-11-28 15:00 America/New_York for 30m")
    start = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    with container.db.unit_of_work() as uow:
        name = uow.calls.by_number(uow.incidents.by_key("INC-2026-0001").id, 1).conference_name
        attendance.joined(uow, conference=name, call_sid="CA1", phone=ANA, at=start)
        uow.commit()
    summaries = lambda: [p for p in slack.posts if p["text"].startswith("*Attendance")]  # noqa: E731
    clock.current = start.replace(minute=31)
    fire_due_work(container)  # the scheduled end: Ana is still talking
    container.worker.drain()
    assert summaries() == []
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.calls.get(1).status == "in_progress" and uow.notes.for_call(1) is None
    clock.current = start.replace(minute=40)
    with container.db.unit_of_work() as uow:
        attendance.ended(uow, conference=name, at=clock.now())
        uow.commit()
    clock.current = start.replace(minute=50)
    fire_due_work(container)  # the re-check finds the call over and adds nothing
    container.worker.drain()
    [summary] = summaries()
    assert "Ana Ruiz (40 min)" in summary["text"]


def test_a_dial_out_whose_answer_was_lost_rings_the_person_once(commands, container, voice,
                                                                clock):
    call(commands, "schedule 2026-11-28 15:00 America/New_York")
    container.worker.drain()
    clock.current = datetime(2026, 11, 28, 20, 0, 1, tzinfo=UTC)
    voice.lose_next_answer = True  # Twilio placed the call, then the answer was lost
    for _ in range(3):
        fire_due_work(container)
        container.worker.drain()
        clock.current += timedelta(minutes=5)
    assert [d["to"] for d in voice.dialled] == ["+12025550105"]
    with container.db.unit_of_work() as uow:
        [row] = [m for m in uow.outbox.list() if m.kind == "voice.dial_out"]
        assert (row.status, row.provider_id) == ("sent", voice.dialled[0]["sid"])
