"""The one composition root: settings (and optional fakes) in, wired services out.

The CLI, the web app, the worker, the demo and the tests all build the product through
``bootstrap`` so that they run the same wiring; tests pass fakes for the clock and gateways.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.access.roles import Roles
from bot.actions.delivery import ActionCards
from bot.calls.delivery import ConferenceEnder, Dialer, VoicePort
from bot.clock import Clock, ScaledClock, SystemClock
from bot.config import Settings
from bot.db.schema_version import open_current
from bot.db.unit_of_work import Database, open_database, open_inbox
from bot.directory.service.people import SlackNames
from bot.dispatch.dispatcher import Dispatcher, Ports
from bot.dispatch.replies import ReplySender
from bot.gateways.lazy import OnFirstUse
from bot.incidents.delivery import IncidentCards
from bot.notes.delivery import NotesCards
from bot.notes.summary_delivery import NotesSummaries
from bot.outbox import follow_ups
from bot.outbox.budget import SendBudget
from bot.outbox.kinds import Kind
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.slack_senders import SlackDelivery
from bot.outbox.worker import OutboxWorker, Wakeup
from bot.ports import NoSummarizer, SlackPort, SmsPort, Summarizer
from bot.sms.conversation_cards import ConversationCards
from bot.sms.delivery import FailureReports, SmsSender
from bot.voice.delivery import MessageCalls

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    db: Database
    clock: Clock
    slack: SlackPort
    roles: Roles
    wakeup: Wakeup
    worker: OutboxWorker
    ports: Ports
    inbox_db: Database
    sms: SmsPort | None = None
    twilio_verifier: Any = None
    names: SlackNames | None = None
    # Gateways built at their first call (``bot.gateways.lazy``), which ``warm_up`` builds now.
    on_first_use: list[Any] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _dispatcher: Dispatcher | None = None

    @property
    def dispatcher(self) -> Dispatcher:
        """The one command table, built when first asked for: a process that only delivers the
        outbox and fires due work (``coordbot worker``) never imports every capability's flows,
        which is a good part of its start-up."""
        if self._dispatcher is None:
            from bot.dispatch.table import all_routes

            self._dispatcher = Dispatcher(all_routes(), self.ports)
        return self._dispatcher

    def warm_up(self) -> None:
        """Builds the gateways left for their first call. A worker does this once what was due
        at its start is sent: a gateway's SDK imported in the middle of a later send (a Slack
        post due a second after start) would hold up the texts sent with it."""
        for gateway in self.on_first_use:
            gateway.target()

    def start_worker(self) -> None:
        thread = threading.Thread(target=self.worker.run, args=(self._stop,), daemon=True,
                                  name="outbox-worker")
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.wakeup.notify()
        for thread in self._threads:
            thread.join(timeout=10)
        self.worker.close()
        self.db.dispose()
        if self.inbox_db is not self.db:
            self.inbox_db.dispose()


def bootstrap(settings: Settings, *, clock: Clock | None = None, slack: SlackPort | None = None,
              sms: SmsPort | None = None, voice: VoicePort | None = None,
              db: Database | None = None, summarizer: Summarizer | None = None,
              upgrade: bool = True) -> Container:
    clock = clock or _clock(settings)
    if db is None:
        url, echo = settings.database.url, settings.database.echo
        # A schema already at head opens with one SELECT: no Alembic, no migration lock.
        db = open_current(url, echo=echo) if upgrade else open_database(url, echo=echo, upgrade=False)
    elif upgrade:
        db.upgrade()
    slack = slack or _slack_gateway(settings)
    roles = Roles(coordinators=settings.roles.coordinators, officials=settings.roles.officials,
                  slack=slack, clock=clock)
    wakeup = Wakeup()
    delivery = SlackDelivery(db=db, slack=slack, roles=roles, settings=settings, clock=clock,
                             wakeup=wakeup)
    sms = sms or _sms_gateway(settings)
    sms_sender = SmsSender(
        sms=sms, clock=clock,
        budget=SendBudget(db=db, clock=clock, sender=_sender_name(settings),
                          segments_per_s=settings.sms.send_budget()),
        status_callback_url=settings.server.public_base_url.rstrip("/") + "/twilio/sms/status",
        db=db)
    base = settings.server.public_base_url.rstrip("/")
    voice = voice or _voice_gateway(settings)
    dialer = Dialer(voice=voice, events_url=f"{base}/twilio/voice/conference-events")
    message_calls = MessageCalls(
        voice=voice, clock=clock, base_url=base, db=db,
        limiter=RateLimiter(settings.voice.rate_per_s, clock=lambda: clock.now().timestamp()),
        settings=settings.voice)
    worker = OutboxWorker(db=db, clock=clock, settings=settings.outbox,
                          senders={**delivery.senders(), **_cards(db, slack, settings, clock),
                                   Kind.SMS: sms_sender, Kind.DIAL_OUT: dialer,
                                   Kind.END_CONFERENCE: ConferenceEnder(voice=voice),
                                   Kind.VOICE_MESSAGE: message_calls,
                                   Kind.REPLY: ReplySender(slack, db=db, clock=clock),
                                   **NotesSummaries(db=db, clock=clock, settings=settings,
                                                    summarizer=summarizer or
                                                    _summarizer(settings)).senders()},
                          wakeup=wakeup, after_record=follow_ups.queue_edits)
    names = SlackNames(slack, clock)
    ports = Ports(settings=settings, db=db, clock=clock, slack=slack, roles=roles, wakeup=wakeup,
                  names=names)
    inbox_db = open_inbox(settings.database.url, db)
    return Container(settings=settings, db=db, clock=clock, slack=slack, roles=roles,
                     wakeup=wakeup, worker=worker, sms=sms,
                     twilio_verifier=_twilio_verifier(settings), names=names,
                     ports=ports, inbox_db=inbox_db,
                     on_first_use=[g for g in (slack, voice) if isinstance(g, OnFirstUse)])


def _cards(db: Database, slack: SlackPort, settings: Settings, clock: Clock) -> dict:
    """Slack messages that are posted once and then edited (incident summaries, action items,
    notes reviews, SMS conversations and their threads), and the reports of texts that failed
    for good, rendered when they are posted."""
    ports = {"db": db, "slack": slack, "settings": settings, "clock": clock}
    return {**IncidentCards(**ports).senders(), **ActionCards(**ports).senders(),
            **NotesCards(**ports).senders(), **FailureReports(**ports).senders(),
            **ConversationCards(**ports).senders()}


def _summarizer(settings: Settings) -> Summarizer:
    """The office's own chat-completions endpoint when ``[summarizer] url`` names one."""
    if not settings.summarizer.url:
        return NoSummarizer()
    from bot.gateways.summarizer import ChatCompletionsSummarizer  # httpx: only when configured

    return ChatCompletionsSummarizer(settings.summarizer)


def _sender_name(settings: Settings) -> str:
    """The send budget's row: the Messaging Service or the number texts are sent from."""
    twilio = settings.twilio
    return twilio.messaging_service_sid or twilio.from_number or "default"


def _clock(settings: Settings) -> Clock:
    sandbox = settings.sandbox_clock
    return ScaledClock(sandbox.origin, sandbox.speed) if sandbox else SystemClock()


def quiet_vendor_loggers() -> None:
    """The twilio SDK logs every request's headers at INFO: too much, and near personal data."""
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    # A tick still running when the next is due is skipped by design (max_instances=1).
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)


def _sms_gateway(settings: Settings) -> SmsPort | None:
    twilio = settings.twilio
    if not (twilio.account_sid and twilio.auth_token):
        log.info("Twilio is not configured: SMS messages will fail as sms_not_configured")
        return None
    from bot.gateways.twilio_sms import TwilioSms

    return TwilioSms(account_sid=twilio.account_sid,
                     auth_token=twilio.auth_token.get_secret_value(),
                     base_url=twilio.api_base_url,
                     messaging_service_sid=twilio.messaging_service_sid,
                     from_number=twilio.from_number,
                     timeout_s=settings.sms.request_timeout_s)


def _voice_gateway(settings: Settings) -> VoicePort | None:
    """Built at its first call (TwiML and its XML modules are not needed before a phone call)."""
    twilio = settings.twilio
    if not (twilio.account_sid and twilio.auth_token and twilio.from_number):
        return None

    def build() -> VoicePort:
        from bot.gateways.twilio_voice import TwilioVoice

        return TwilioVoice(twilio.account_sid, twilio.auth_token.get_secret_value(),
                           twilio.api_base_url, twilio.from_number)

    return OnFirstUse(build)  # type: ignore[return-value]  # stands for the VoicePort


def _twilio_verifier(settings: Settings) -> Any:
    if settings.twilio.auth_token is None:
        return None
    from bot.gateways.twilio_signature import TwilioSignatureVerifier

    return TwilioSignatureVerifier(settings.twilio.auth_token.get_secret_value())


def _slack_gateway(settings: Settings) -> SlackPort:
    """Built at its first call: a worker that posts nothing in its first seconds has not paid
    for slack_sdk's import when it fires and sends the reminders that came due while it was
    down."""

    def build() -> SlackPort:
        from bot.gateways.slack import SlackGateway

        token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else ""
        return SlackGateway(token=token, base_url=settings.slack.api_base_url,
                            timeout_s=settings.slack.request_timeout_s)

    return OnFirstUse(build)  # type: ignore[return-value]  # stands for the SlackPort
