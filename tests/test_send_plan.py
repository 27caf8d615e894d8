"""The plan before a notice goes (how long it takes at the sender's budget, in segments) and
its progress while it runs, in the preview and the channel's delivery summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from bot.i18n.languages import LANGUAGES
from bot.sms.blocks import duration_text, notice_post, plan_line
from bot.sms.rules.preview import SenderOption, SendPlan
from bot.sms.rules.segments import segments
from bot.sms.service import notices
from bot.sms.service.notices import other_senders
from tests.support.scenario import declared_with_contacts
from tests.test_notices import PEOPLE, notice, notify


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def texts_segments() -> int:
    return sum(segments(notice(lang, "Curfew at 8 pm.")).segments for lang in ("es", "vi", "ht"))


def test_the_plan_of_the_issue_reads_as_a_coordinator_would_say_it():
    assert plan_line(SendPlan(2430, 3910, 1.0, "long_code")) == (
        "2,430 SMS, 3,910 segments: about 1 h 05 min at 1 segment/s (a long code).")
    assert plan_line(SendPlan(2430, 3910, 20.0, "messaging_service", pool=20)) == (
        "2,430 SMS, 3,910 segments: about 3 min at 20 segments/s (a Messaging Service pool of "
        "20 numbers).")
    assert plan_line(SendPlan(10, 12, 0)) == (
        "10 SMS, 12 segments: no send budget is configured (`sms.sender`), so no time can be "
        "given.")
    assert [duration_text(timedelta(seconds=s)) for s in (0, 40, 89, 90, 3600, 3629)] == [
        "about 0 s", "about 40 s", "about 1 min", "about 2 min", "about 1 h 00 min",
        "about 1 h 00 min"]


def test_the_preview_says_how_long_the_send_takes_with_the_configured_sender(
        commands, container):
    container.settings.sms.sender = "long_code"
    reply = notify(commands, "Curfew at 8 pm.")
    total = texts_segments()
    assert f"3 SMS, {total} segments: about {total} s at 1 segment/s (a long code)." in reply.text


def test_the_preview_with_a_messaging_service_pool_compares_the_number_alone(commands, container):
    container.settings.sms.sender = "messaging_service"
    container.settings.sms.sender_pool_size = 4
    assert container.settings.twilio.from_number  # the office's number is configured too
    reply = notify(commands, "Curfew at 8 pm.")
    total = texts_segments()
    assert (f"at 4 segments/s (a Messaging Service pool of 4 numbers); with a long code, "
            f"about {total} s.") in reply.text


def test_the_preview_from_the_number_compares_the_messaging_service_pool(commands, container):
    container.settings.sms.sender = "long_code"
    container.settings.sms.sender_pool_size = 20
    container.settings.twilio.messaging_service_sid = "MG" + "0" * 32
    reply = notify(commands, "Curfew at 8 pm.")
    total = texts_segments()
    assert (f"about {total} s at 1 segment/s (a long code); with a Messaging Service pool of 20 "
            f"numbers, about {-(-total // 20)} s.") in reply.text


def test_one_sender_or_a_figure_of_the_offices_own_is_not_compared():
    settings = Settings(sms={"sender": "long_code"}, twilio={"from_number": "+12025550100"})
    assert other_senders(settings) == ()
    both = {"from_number": "+12025550100", "messaging_service_sid": "MG" + "0" * 32}
    assert other_senders(Settings(sms={"sender": "toll_free", "segments_per_s": 3},
                                  twilio=both)) == ()
    assert other_senders(Settings(sms={}, twilio=both)) == ()
    assert other_senders(Settings(sms={"sender": "toll_free", "sender_pool_size": 5},
                                  twilio=both)) == (SenderOption("messaging_service", 5.0, 5),)


def test_the_plan_is_worded_in_the_readers_language():
    plan = SendPlan(2430, 3910, 1.0, "long_code",
                    others=(SenderOption("messaging_service", 20.0, 20),))
    assert plan_line(plan) == ("2,430 SMS, 3,910 segments: about 1 h 05 min at 1 segment/s (a "
                               "long code); with a Messaging Service pool of 20 numbers, about "
                               "3 min.")
    assert plan_line(plan, "es") == ("2.430 SMS, 3.910 segmentos: unas 1 h 05 min a 1 segmento/s "
                                     "(un número largo); con un grupo de Messaging Service de 20 "
                                     "números, unos 3 min.")
    for tag in LANGUAGES:  # every language has every part, and shows the numbers
        text = plan_line(plan, tag)
        assert "05" in text and "20" in text and "Messaging Service" in text, (tag, text)
        assert "{" not in plan_line(SendPlan(10, 12, 0), tag)


def test_while_a_notice_runs_its_summary_says_what_is_left_and_when_it_should_finish(
        commands, container, clock):
    notify(commands, "Curfew at 8 pm.")  # queued, held for its undo window: nothing sent yet
    total = texts_segments()
    with container.db.unit_of_work() as uow:
        post = notices.channel_post(uow, 1, now=clock.now(), segments_per_s=1)
        done = notices.channel_post(uow, 1, now=None)
    assert (post.progress.remaining, post.progress.remaining_segments) == (3, total)
    assert post.progress.finish == clock.now() + timedelta(seconds=total)
    text = notice_post(post, "America/New_York")  # the fake clock says 15:00 UTC
    assert text.endswith(f"Sending: 3 of 3 to go ({total} segments), expected to finish "
                         "27 Nov, 10:00 AM EST.")
    assert done.progress is None
