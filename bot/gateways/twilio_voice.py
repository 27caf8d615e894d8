"""Twilio Voice: dial-outs into coordination calls, their end by a coordinator, and message calls
(``place_call``: a text read to a contact who cannot text) through the real ``twilio`` client, and
the TwiML the call webhooks answer with, built with the SDK's ``VoiceResponse``.

The only module that imports ``twilio`` for voice. ``base_url`` points the client at Twilio or at the
sandbox emulator (:mod:`bot.sandbox.twilio`).

Call flow the builders are made for::

    incoming call -> ask_for_pin(action_url=/voice/pin, ...)
      Digits posted to /voice/pin  -> join_conference(...) or say_and_hang_up(...)
      no input: <Redirect> to /voice/pin without Digits -> ask_for_pin(attempts_left - 1)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from bot.gateways.twilio_http import BaseUrlHttpClient, transport_error
from bot.gateways.twiml import LiveTranscription, start_transcription
from bot.ports import DeliveryError, OutcomeUnknown

# Our language tags (bot.i18n.languages) -> the <Say language="..."> value. Every value is in the
# SayLanguage list of Twilio's own helper library (twilio/twilio-node src/twiml/VoiceResponse.ts,
# commit 000c5255).
# The voice must also speak the language: the basic "man"/"woman" voices did only a few (English,
# Spanish, French, German, Italian, per an older copy of the <Say> page), so every <Say> names the
# voice of ``SAY_VOICES`` for its language rather than leaving it to the account's default.
SAY_LANGUAGES: dict[str, str] = {
    "en": "en-US",
    "es": "es-US",
    "fr": "fr-FR",
    "pt": "pt-BR",
    "zh": "cmn-CN",  # Mandarin (Simplified); Cantonese would be "yue-HK"
    "vi": "vi-VN",
    "ko": "ko-KR",
    "ru": "ru-RU",
    "ar": "arb",  # Modern Standard Arabic
    "tl": "fil-PH",  # Filipino, the standard form of Tagalog
    # Twilio has no Haitian Creole text-to-speech voice (no "ht-*" tag in that list). A French voice
    # reading Kreyòl text is only a fallback: it mispronounces much of it. For Haitian Creole callers
    # prefer recorded prompts (<Play>) or an interpreter on the call.
    "ht": "fr-FR",
}

# The <Say voice="..."> for a message read to a contact, per language: one that speaks that
# language (Twilio's voice names are "Polly.<Name>" for Amazon Polly and "Google.<locale>-…" for
# Google). Polly has no Vietnamese or Filipino voice, so those two use Google's. No provider has a
# Haitian Creole voice: "ht" is read by the French voice (fr-FR), which mispronounces much of
# Kreyòl — the message is still better heard than dropped, and an interpreter's recording (<Play>)
# is the better fix where one exists.
SAY_VOICES: dict[str, str] = {
    "en": "Polly.Joanna",
    "es": "Polly.Lupe",  # es-US
    "fr": "Polly.Lea",
    "pt": "Polly.Camila",  # pt-BR
    "zh": "Polly.Zhiyu",  # cmn-CN
    "vi": "Google.vi-VN-Standard-A",
    "ko": "Polly.Seoyeon",
    "ru": "Polly.Tatyana",
    "ar": "Polly.Zeina",  # arb
    "tl": "Google.fil-PH-Standard-A",
    "ht": "Polly.Lea",  # the fr-FR fallback, see above
}
# The language each of those voices speaks, to check it is the <Say language> it is used with.
# Every name is in the SayVoice list of Twilio's helper library (twilio/twilio-node
# src/twiml/VoiceResponse.ts, commit 45d3d65a); Amazon Polly's voice list gives a Polly voice's
# language (Joanna US English, Lupe US Spanish, Léa French, Camila Brazilian Portuguese, Zhiyu
# Mandarin, Seoyeon Korean, Tatyana Russian, Zeina Arabic), a Google voice's name carries its own.
VOICE_LANGUAGES: dict[str, str] = {
    "Polly.Joanna": "en-US", "Polly.Lupe": "es-US", "Polly.Lea": "fr-FR",
    "Polly.Camila": "pt-BR", "Polly.Zhiyu": "cmn-CN", "Polly.Seoyeon": "ko-KR",
    "Polly.Tatyana": "ru-RU", "Polly.Zeina": "arb",
    "Google.vi-VN-Standard-A": "vi-VN", "Google.fil-PH-Standard-A": "fil-PH",
}
# Call-progress events of a dial-out (CreateParticipant ``StatusCallbackEvent``).
DIAL_OUT_EVENTS = ["initiated", "ringing", "answered", "completed"]
# Conference events the bot follows (``statusCallbackEvent`` of <Conference>, space-separated).
CONFERENCE_EVENTS = "start end join leave"
PIN_DIGITS = 6
# Calls to one number looked through for a call whose answer was lost (newest first).
LOOKUP_CALLS = 20
# How long a message call rings before it counts as not answered (CreateCall ``Timeout``).
RING_S = 30
# Conferences of one name looked through for a dial-out whose answer was lost (newest first).
LOOKUP_CONFERENCES = 20


def say_voice(tag: str) -> str:
    """The ``<Say>`` voice for one of our tags (``"es"`` -> ``"Polly.Lupe"``)."""
    say_language(tag)  # refuses a tag we have no language for, with the list
    return SAY_VOICES[tag.strip().replace("_", "-").split("-")[0].lower()]


def say_language(tag: str) -> str:
    """The ``<Say>`` language for one of our tags (``"es"`` or ``"es-US"`` -> ``"es-US"``)."""
    base = tag.strip().replace("_", "-").split("-")[0].lower()
    try:
        return SAY_LANGUAGES[base]
    except KeyError:
        raise ValueError(f"no <Say> language for {tag!r}; known: {', '.join(SAY_LANGUAGES)}") from None


class TwilioVoice:
    def __init__(self, account_sid: str, auth_token: str, base_url: str, from_number: str, *,
                 timeout_s: float = 10):
        if not from_number:
            raise ValueError("twilio.from_number is required to place calls")
        self._client = Client(account_sid, auth_token,
                              http_client=BaseUrlHttpClient(base_url, timeout=timeout_s))
        self._from = from_number

    def dial_out(self, *, conference: str, to: str, label: str | None, status_callback: str | None,
                 conference_status_callback: str | None = None) -> str:
        """Calls ``to`` into the conference named ``conference`` and returns the new CallSid.

        Twilio creates the conference if it does not exist yet; its status callback is the one of the
        participant who creates it, so pass ``conference_status_callback`` when the bot may dial out
        before anyone has called in. Raises ``DeliveryError`` when Twilio refuses, and
        ``OutcomeUnknown`` when it may have placed the call but its answer was lost (a reset or
        timeout after the request was written, a 5xx): ``find_participant`` tells.
        """
        options: dict = {"from_": self._from, "to": to, "timeout": 60, "beep": "onEnter"}
        if label:
            options["label"] = label
        if status_callback:
            options.update(status_callback=status_callback, status_callback_event=DIAL_OUT_EVENTS)
        if conference_status_callback:
            options.update(conference_status_callback=conference_status_callback,
                           conference_status_callback_event=CONFERENCE_EVENTS.split())
        try:
            participant = self._client.conferences(_path(conference)).participants.create(**options)
        except TwilioRestException as error:
            raise _delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise transport_error(error) from None
        return participant.call_sid

    def place_call(self, *, to: str, url: str, status_callback: str | None,
                   machine_detection: str | None = "DetectMessageEnd") -> str:
        """Calls ``to``; once answered Twilio fetches the TwiML at ``url`` (POST). Returns the CallSid.

        ``machine_detection="DetectMessageEnd"`` makes Twilio wait, when a machine answers, for
        the end of its greeting (the beep) before fetching the TwiML, and say who answered as
        ``AnsweredBy`` (``human``, ``machine_end_beep`` …) on that request and on the status
        callbacks; a person hears a moment of silence while it decides. ``status_callback`` gets
        the ``completed`` event with the final ``CallStatus`` (completed, busy, no-answer, failed,
        canceled). Errors as for ``dial_out``: ``find_call`` tells about a lost answer.
        """
        options: dict = {"to": to, "from_": self._from, "url": url, "method": "POST",
                         "timeout": RING_S}
        if status_callback:
            options.update(status_callback=status_callback, status_callback_method="POST",
                           status_callback_event=["completed"])
        if machine_detection:
            options["machine_detection"] = machine_detection
        try:
            call = self._client.calls.create(**options)
        except TwilioRestException as error:
            raise _delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise transport_error(error) from None
        return call.sid

    def find_call(self, *, to: str, since: datetime,
                  taken: Callable[[str], bool] = lambda sid: False) -> str | None:
        """The CallSid of the newest call from our number to ``to`` created since ``since`` that
        ``taken`` does not claim (an earlier try of the same message, another row's call); raises
        ``DeliveryError`` when Twilio cannot say. Twilio's dates have whole seconds: pass a
        ``since`` a little early."""
        try:
            for call in self._client.calls.list(to=to, from_=self._from, limit=LOOKUP_CALLS):
                created = call.date_created
                if created is not None and created >= since and not taken(call.sid):
                    return call.sid
        except TwilioRestException as error:
            raise DeliveryError(str(error.code or error.status), error.msg or "lookup refused",
                                permanent=False) from None
        except (TwilioException, OSError) as error:
            raise DeliveryError("connection_error", str(error), permanent=False) from None
        return None

    def end_conference(self, *, conference: str) -> list[str]:
        """Ends every live conference named ``conference`` (``Status=completed`` on the
        Conference resource: Twilio hangs up on everyone and reports the end as
        ``conference-ended-via-api``) and returns their ConferenceSids; none live, none ended.

        Ending is idempotent, so a request whose answer was lost is simply made again. Errors as
        for ``dial_out`` (a refusal is final; a lost answer is ``OutcomeUnknown``).
        """
        ended = []
        try:
            for found in self._client.conferences.list(friendly_name=conference,
                                                       limit=LOOKUP_CONFERENCES):
                if found.status != "completed":
                    self._client.conferences(found.sid).update(status="completed")
                    ended.append(found.sid)
        except TwilioRestException as error:
            raise _delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise transport_error(error) from None
        return ended

    def find_participant(self, *, conference: str, label: str) -> str | None:
        """The CallSid of the participant labelled ``label`` in a conference named ``conference``
        (the newest ones first), if Twilio has one; raises ``DeliveryError`` when it cannot say.

        Twilio lists the participants of live conferences only (queued, ringing and connected
        ones), so a person who was dialled and has already hung up is not found: looking is for
        an answer lost seconds ago, not for history.
        """
        try:
            for found in self._client.conferences.list(friendly_name=conference,
                                                       limit=LOOKUP_CONFERENCES):
                try:
                    return self._client.conferences(found.sid).participants(label).fetch().call_sid
                except TwilioRestException as error:
                    if error.status != 404:
                        raise
        except TwilioRestException as error:
            raise DeliveryError(str(error.code or error.status), error.msg or "lookup refused",
                                permanent=False) from None
        except (TwilioException, OSError) as error:
            raise DeliveryError("connection_error", str(error), permanent=False) from None
        return None


def _path(name: str) -> str:
    """A friendly name as one URL path segment (the SDK puts it into the URL as given)."""
    return quote(name, safe="")


def _delivery_error(error: TwilioRestException) -> DeliveryError:
    """Too many requests (HTTP 429, code 20429) and server errors are retried; other refusals
    (21211 invalid number, 21210/21212 bad caller ID, 21215 geo permissions …) will not change on a
    retry."""
    code = error.code or error.status
    if error.status >= 500 and error.status != 503:  # it may have placed the call first
        return OutcomeUnknown(str(code), error.msg or "Twilio failed answering")
    transient = error.status in (429, 503) or code == 20429
    return DeliveryError(str(code), error.msg or "Twilio refused the request",
                         permanent=not transient, retry_after=1.0 if error.status == 429 else None)


# ----- TwiML -------------------------------------------------------------------------------------
def ask_for_pin(*, action_url: str, prompt: str, language: str, attempts_left: int,
                no_input: str = "We did not receive your PIN.", goodbye: str = "Goodbye.",
                retry_url: str | None = None) -> str:
    """Asks for the 6-digit call PIN; the digits are POSTed to ``action_url`` as ``Digits``.

    When the caller keys nothing within 8 seconds, Twilio runs what follows the ``<Gather>``: the
    ``no_input`` sentence, then, while ``attempts_left > 0``, a ``<Redirect>`` (POST) to ``retry_url``
    (default ``action_url``; a request without ``Digits`` means "ask again", with one attempt fewer),
    or, when ``attempts_left == 0``, ``goodbye`` and ``<Hangup/>``. Texts are spoken as given: pass
    them in the caller's language.
    """
    lang, voice = say_language(language), say_voice(language)
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=PIN_DIGITS, action=action_url, method="POST",
                             timeout=8)
    gather.say(prompt, language=lang, voice=voice)
    response.say(no_input, language=lang, voice=voice)
    if attempts_left > 0:
        response.redirect(retry_url or action_url, method="POST")
    else:
        response.say(goodbye, language=lang, voice=voice)
        response.hangup()
    return str(response)


def join_conference(*, name: str, status_callback: str, announce: str, language: str,
                    label: str | None, muted: bool = False, moderator: bool = False,
                    wait_for_moderator: bool = True,
                    transcription: LiveTranscription | None = None) -> str:
    """Says ``announce`` and puts the caller into the conference ``name``.

    A moderator starts the conference on entering and ends it for everyone on leaving. Others, when
    ``wait_for_moderator`` (the default), wait muted with hold music until a moderator (or a dial-out,
    which starts it by default) is there; otherwise they start it themselves. Conference events
    (start, end, join, leave) are POSTed to ``status_callback`` — Twilio uses the statusCallback of the
    participant who creates the conference, so every join must carry the same one. With
    ``transcription`` this caller's leg is transcribed from before they enter.
    """
    response = VoiceResponse()
    if announce:
        response.say(announce, language=say_language(language), voice=say_voice(language))
    if transcription is not None:
        start_transcription(response, transcription)
    dial = response.dial()
    dial.conference(
        name, muted=muted, beep="onEnter",
        start_conference_on_enter=moderator or not wait_for_moderator,
        end_conference_on_exit=moderator,
        status_callback=status_callback, status_callback_event=CONFERENCE_EVENTS,
        status_callback_method="POST", participant_label=label or None)
    return str(response)


def ask_about_transcription(*, text: str, language: str, action_url: str) -> str:
    """The transcription announcement inside a one-key ``<Gather>`` (5 seconds): a key is POSTed
    to ``action_url`` as ``Digits``; no key, the ``<Redirect>`` POSTs there without ``Digits``
    (the caller let it be: transcribed)."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, action=action_url, method="POST",
                             timeout=5)
    gather.say(text, language=say_language(language), voice=say_voice(language))
    response.redirect(action_url, method="POST")
    return str(response)


def say_and_hang_up(text: str, language: str) -> str:
    """``<Say>text</Say><Hangup/>``."""
    response = VoiceResponse()
    response.say(text, language=say_language(language), voice=say_voice(language))
    response.hangup()
    return str(response)


def read_message(*, text: str, language: str, menu: str, action_url: str, goodbye: str,
                 preface: str = "") -> str:
    """A message read to a person: ``preface`` (if any), ``text`` twice (a pause between), then
    ``menu``, all inside a one-key ``<Gather>`` whose key is POSTed to ``action_url`` as
    ``Digits`` (a key pressed while the message plays interrupts it: the person has heard
    enough). No key within 8 seconds: ``goodbye`` and ``<Hangup/>``."""
    lang, voice = say_language(language), say_voice(language)
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, action=action_url, method="POST",
                             timeout=8)
    if preface:
        gather.say(preface, language=lang, voice=voice)
    gather.say(text, language=lang, voice=voice)
    gather.pause(length=1)
    gather.say(text, language=lang, voice=voice)
    gather.say(menu, language=lang, voice=voice)
    response.say(goodbye, language=lang, voice=voice)
    response.hangup()
    return str(response)


def leave_message(*, text: str, language: str) -> str:
    """A message left on an answering machine after its beep: ``text`` twice, then hang up
    (nobody is there to press a key)."""
    lang, voice = say_language(language), say_voice(language)
    response = VoiceResponse()
    response.say(text, language=lang, voice=voice)
    response.pause(length=1)
    response.say(text, language=lang, voice=voice)
    response.hangup()
    return str(response)


def hang_up() -> str:
    """``<Hangup/>``: for a fax, or a call we no longer have a message for."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
