"""SMS notices that cannot go out garbled: strict language lines, a preview before every send,
no notice for a closed incident, and the sent notice posted in the incident channel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.errors import InvalidInput, InvalidTransition
from bot.i18n.catalog import render
from bot.sms.delivery import record_status
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

OFFICE = "Civil Rights Coordination Office"
ANA, MINH, JEAN = "+12025550101", "+12025550102", "+12025550103"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
    ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("GA",)),
    ContactRecord(name="Jean Pierre", phone=JEAN, language="ht", regions=("FL",)),
]
KEY = "INC-2026-0001"


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def notify(commands, text):
    return commands.run(f"notify {KEY} {text}", user=COORDINATOR)


def notice(language, text):
    return render("incident_notice", language, office=OFFICE, title="Hurricane Xavier", text=text)


def queued(container):
    with container.db.unit_of_work() as uow:
        from bot.db.models import Notice

        notices = uow.session.query(Notice).count()
        return notices, [m for m in uow.outbox.list() if m.kind == "sms"]


@pytest.mark.parametrize("prefix", ["sp", "cn", "xx", "SP"])
def test_an_unknown_language_prefix_is_refused_with_the_list_and_nothing_is_queued(
        commands, container, sms, prefix):
    with pytest.raises(InvalidInput) as refused:
        notify(commands, f"Shelters are open.\n{prefix}: Los refugios están abiertos.")
    message = str(refused.value)
    assert f"`{prefix}:` is not a language" in message
    assert "es (Spanish, Español)" in message and "zh (Chinese, 中文)" in message
    container.worker.drain()
    assert queued(container) == (0, []) and sms.sent == []


@pytest.mark.parametrize("prefix", ["es", "ES", "spa", "es-US", "spanish", "Español", "ESPANOL"])
def test_codes_and_names_in_english_or_spanish_reach_the_spanish_speaker(
        commands, container, sms, prefix):
    notify(commands, f"Shelters are open.\n{prefix}: Los refugios están abiertos.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert sms.to(ANA) == [notice("es", "Los refugios están abiertos.")]
    assert sms.to(MINH) == [notice("vi", "Shelters are open.")]


def test_a_colon_in_ordinary_english_is_text_and_a_line_after_a_translation_continues_it(
        commands, container, sms):
    notify(commands, "Note: shelters open at 5.\nHotline: 211\nKreyòl ayisyen: Abri yo louvri.\n"
                     "Rele 211.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert sms.to(MINH) == [notice("vi", "Note: shelters open at 5. Hotline: 211")]
    assert sms.to(JEAN) == [notice("ht", "Abri yo louvri. Rele 211.")]


def test_a_small_send_shows_the_preview_with_texts_counts_segments_and_cost(commands, container):
    container.settings.sms.price_per_segment = Decimal("0.0079")
    reply = notify(commands, "Curfew at 8 pm.\nes: Toque de queda a las 8 pm.")
    # At or under the threshold only the Confirm is skipped: the preview ends with a Cancel.
    assert [e["action_id"] for e in reply.blocks[-1]["elements"]] == ["notice_cancel"]
    assert reply.text == "\n".join(b["text"]["text"] for b in reply.blocks
                                   if b["type"] == "section")
    reply_text = reply.text
    spanish, vietnamese = notice("es", "Toque de queda a las 8 pm."), notice("vi", "Curfew at 8 pm.")
    assert "Preview" in reply_text and "3 recipients" in reply.text
    for body in (spanish, vietnamese):
        assert "\n".join(f"> {line}" for line in body.splitlines()) in reply_text
    assert "*Spanish* — 1 recipient, 2 segment(s) each" in reply_text  # UCS-2 (á, ó)
    assert "*Haitian Creole* — 1 recipient, 1 segment(s) each" in reply_text
    assert "5 segments in all, about 0.04 at 0.0079 per segment" in reply.text
    assert "Sending in 30 s — Cancel" in reply_text


def test_without_a_configured_price_the_preview_shows_segments_only(commands):
    reply = notify(commands, "Curfew at 8 pm.")
    assert "segments in all." in reply.text and "per segment" not in reply.text


def test_a_large_send_shows_the_same_preview_then_waits_for_confirm(commands, container, sms):
    container.settings.sms.confirm_threshold = 2
    reply = notify(commands, "Curfew at 8 pm.\nes: Toque de queda a las 8 pm.")
    sections = "\n".join(b["text"]["text"] for b in reply.blocks if b["type"] == "section")
    quoted = "\n".join(f"> {line}" for line in notice("es", "Toque de queda a las 8 pm.").splitlines())
    assert sections.startswith("*Preview") and quoted in sections
    container.worker.drain()
    assert sms.sent == []


def test_a_closed_incident_gets_no_notice(commands, container, sms):
    commands.confirm_close(KEY, user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="is closed: reopen it"):
        notify(commands, "Shelters are open.")
    container.worker.drain()
    assert queued(container) == (0, []) and sms.sent == []


def test_a_notice_awaiting_confirmation_is_not_sent_once_the_incident_is_closed(
        commands, container, sms):
    container.settings.sms.confirm_threshold = 2
    notice_id = notify(commands, "Curfew at 8 pm.").blocks[-1]["elements"][0]["value"]
    commands.confirm_close(KEY, user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="is closed"):
        commands.confirm_notice(notice_id, user=COORDINATOR)
    container.worker.drain()
    assert queued(container)[1] == [] and sms.sent == []


def test_the_sent_notice_is_posted_once_in_the_channel_with_its_delivery_summary(
        commands, container, sms, slack, clock):
    notify(commands, "Shelters open <!channel>.\nes: Refugios abiertos.")
    with container.db.unit_of_work() as uow:  # queued with the send, in its transaction
        assert uow.outbox.by_key("delivery-summary:1:1") is not None
    commands.wait_out_undo_window()
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        for sent in sms.sent:
            record_status(uow, sid=sent["sid"], status="delivered", error_code=None,
                          now=clock.now())
        uow.commit()
    clock.advance(seconds=11)
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        incident_channel = uow.incidents.list()[0].channel_id
    posts = [text for text in slack.posts_to(incident_channel) if "Refugios abiertos" in text]
    assert len(posts) == 1
    post = posts[0]
    assert post.startswith(f"SMS notice 1 sent by <@{COORDINATOR}> to 3 recipients "
                           "(Haitian Creole 1, Spanish 1, Vietnamese 1)")
    assert "> Shelters open &lt;!channel&gt;." in post and "<!channel>" not in post
    assert "*Spanish*\n> Refugios abiertos." in post
    assert post.endswith("Delivery: 3 delivered, 0 pending, 0 failed")
