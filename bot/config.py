"""Settings: one pydantic-settings model read from a TOML file, overridden by the environment.

Precedence, highest first: ``COORDBOT_*`` environment variables (``__`` separates nesting levels,
e.g. ``COORDBOT_SLACK__BOT_TOKEN``), then the TOML file, then the defaults below.
Secrets are ``SecretStr`` so that they never appear in logs or reprs.
"""

from __future__ import annotations

import os
import tomllib
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# pydantic looks for plugins (the "pydantic" entry points of every installed distribution) when it
# builds its first model: a tenth of a second of every process's start-up, and coordbot uses none.
# Set before pydantic builds anything; an operator who sets the variable keeps their own value.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.exceptions import SettingsError

from bot.config_sections import (  # re-exported: ``bot.config`` names every section
    AuditSettings,
    NotesSettings,
    OfficialSettings,
    RetentionSettings,
    Section,
    SummarizerSettings,
    WebReviewSettings,
)

DEFAULT_CONFIG_FILE = Path("config.toml")
# A directory of secret files, one per setting (Docker and Kubernetes secrets): a file named
# ``coordbot_slack__bot_token`` holds ``slack.bot_token``. Files win over the TOML file; the
# environment wins over both.
SECRETS_DIR_VARIABLE = "COORDBOT_SECRETS_DIR"


class ConfigError(Exception):
    """A configuration problem a person can fix; the message names the key and the problem."""


class DatabaseSettings(Section):
    url: str = "sqlite:///coordbot.db"
    echo: bool = False


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_base_url: str = "http://127.0.0.1:8080"


class SlackSettings(Section):
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_base_url: str = "https://slack.com/api/"
    announcements_channel: str | None = None
    channel_prefix: str = Field(default="inc", pattern=r"^[a-z0-9][a-z0-9_-]{0,20}$")
    # How long to wait for Slack's answer to one request; a post whose answer is lost is looked
    # up in the channel's history before it is posted again.
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("api_base_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


class TwilioSettings(Section):
    account_sid: str | None = None
    auth_token: SecretStr | None = None
    api_base_url: str = "https://api.twilio.com"
    messaging_service_sid: str | None = None
    from_number: str | None = None


class RolesSettings(Section):
    coordinators: list[str] = Field(default_factory=list)
    officials: list[str] = Field(default_factory=list)


class DirectorySettings(Section):
    default_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    always_include_tags: list[str] = Field(default_factory=list)
    # CSV exports start with a byte-order mark, without which Excel garbles accents.
    csv_bom: bool = True


class SmsSettings(Section):
    confirm_threshold: int = Field(default=25, ge=0)
    # A notice small enough to need no Confirm is held this long after its preview (an undo
    # window with a Cancel button); 0 sends it at once.
    small_send_hold_s: int = Field(default=30, ge=0, le=600)
    # Segments per second the sender may send when ``sender`` is not set (0: no limit).
    rate_per_s: float = Field(default=1.0, ge=0)
    # What sends the texts (``twilio.from_number``, or ``twilio.messaging_service_sid``), for its
    # throughput in segments per second, shared by every worker: a "long_code" 1, a "toll_free"
    # number 3, a "short_code" 100, a "messaging_service" 1 for each number of its pool
    # (``sender_pool_size``). ``segments_per_s`` overrides the figure (an A2P 10DLC campaign's
    # rate by its trust score, a high-throughput toll-free number).
    sender: Literal["long_code", "toll_free", "short_code", "messaging_service"] | None = None
    sender_pool_size: int = Field(default=1, ge=1, le=400)
    segments_per_s: float | None = Field(default=None, gt=0)
    max_segments: int = Field(default=4, ge=1, le=10)
    # What the office pays per SMS segment (your Twilio price, in your billing currency). When
    # set, notice previews show the cost; when not, they show segments only.
    price_per_segment: Decimal | None = Field(default=None, ge=0)
    # How long to wait for Twilio's answer to one request; a send that times out is looked up
    # at Twilio before it is sent again.
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)


    def send_budget(self) -> float:
        """The sender's segments per second (0: no limit)."""
        if self.segments_per_s is not None:
            return self.segments_per_s
        if self.sender is None:
            return self.rate_per_s
        return SENDER_SEGMENTS_PER_S[self.sender] * (
            self.sender_pool_size if self.sender == "messaging_service" else 1)


# Segments per second by kind of sender (Twilio's figures for US senders; a Messaging Service's
# is per number of its pool).
SENDER_SEGMENTS_PER_S = {"long_code": 1.0, "toll_free": 3.0, "short_code": 100.0,
                         "messaging_service": 1.0}


class CallsSettings(Section):
    dial_in_number: str = "+12025550100"
    default_bridge: str = "twilio"
    default_duration_min: int = Field(default=60, ge=5, le=480)
    reminder_offsets_min: list[int] = Field(default_factory=lambda: [1440, 60])
    reminder_grace_min: int = Field(default=15, ge=0)
    # The hosted bridge takes PINs from this many minutes before the start until the scheduled
    # end (and while the call runs over). ``pin_window_min`` is its former name.
    bridge_opens_before_min: int = Field(
        default=10, ge=0, le=240,
        validation_alias=AliasChoices("bridge_opens_before_min", "pin_window_min"))
    # Each later occurrence of a series is announced this long before it (the series invitation
    # announces the ones already nearer than that); reminders this early or earlier are left out.
    series_notice_before_min: int = Field(default=1440, ge=0, le=10080)
    # The calendar files' ORGANIZER (empty: noreply@ the public host) and alarm.
    organizer_email: str = ""
    calendar_alarm_min: int = Field(default=15, ge=0, le=10080)
    # Hosted calls scheduled without ``transcribe on|off`` are transcribed when this is true.
    transcribe_default: bool = False
    # The language (a BCP-47 code Twilio's transcription takes) for callers not in the directory
    # and for directory languages Twilio cannot transcribe (Haitian Creole).
    transcription_language: str = Field(default="en-US", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class VoiceSettings(Section):
    """Messages read by phone call to contacts who cannot text (a landline, or who asked)."""
    # Calls placed per second: Twilio's default for an account is 1.
    rate_per_s: float = Field(default=1.0, ge=0)
    # Calls per message when nobody answers or the line is busy (the first one included).
    max_tries: int = Field(default=3, ge=1, le=10)
    # How long after an unanswered or busy call the next one goes.
    retry_after_min: int = Field(default=15, ge=1, le=1440)
    # Twilio's answering machine detection: a machine hears the message after its beep.
    machine_detection: bool = True


class ActionsSettings(Section):
    reminder_before_h: int = Field(default=24, ge=1, le=336)
    digest_hour: int = Field(default=9, ge=0, le=23)
    # A due date given without a time ("due thursday") means this time on the owner's clocks.
    default_due_time: time = time(17, 0)


class SchedulerSettings(Section):
    tick_s: float = Field(default=1.0, gt=0)
    lock_key: int = 0x636F6F7264


class SandboxClockSettings(Section):
    """A compressed clock for demos: time runs ``speed`` times faster from ``origin``."""

    origin: datetime
    speed: float = Field(gt=0, le=3600)


class OutboxSettings(Section):
    poll_interval_s: float = Field(default=1.0, gt=0)
    batch_size: int = Field(default=50, ge=1, le=1000)
    concurrency: int = Field(default=4, ge=1, le=64)
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_s: float = Field(default=2.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)
    lease_s: float = Field(default=120.0, gt=0)


class HealthSettings(Section):
    """When ``/readyz`` says something is wrong (seconds)."""

    # Due messages waiting this long while nothing was sent in as long: the outbox is stuck. A
    # big notice draining at the SMS rate keeps sending, so it is never "stuck".
    outbox_stuck_s: float = Field(default=600.0, gt=0)
    # Due reminders or call starts/ends not fired this long after their time.
    scheduler_late_s: float = Field(default=300.0, gt=0)
    # ``coordbot worker --metrics-port``: where its /metrics listener binds.
    metrics_host: str = "127.0.0.1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COORDBOT_", env_nested_delimiter="__", extra="forbid",
        secrets_nested_delimiter="__", secrets_dir_missing="error",
    )

    office_name: str = "Civil Rights Coordination Office"
    timezone: str = "America/New_York"
    # "plain" lines for a terminal, or "json": one object a line for a log service.
    log_format: Literal["plain", "json"] = "plain"
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    roles: RolesSettings = Field(default_factory=RolesSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    sms: SmsSettings = Field(default_factory=SmsSettings)
    calls: CallsSettings = Field(default_factory=CallsSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    actions: ActionsSettings = Field(default_factory=ActionsSettings)
    notes: NotesSettings = Field(default_factory=NotesSettings)
    summarizer: SummarizerSettings = Field(default_factory=SummarizerSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    officials: list[OfficialSettings] = Field(default_factory=list)
    web_review: WebReviewSettings = Field(default_factory=WebReviewSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    sandbox_clock: SandboxClockSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like America/Chicago") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment, then secret files, win over it.
        return (env_settings, NestedSecretsSettingsSource(file_secret_settings), init_settings)

    @field_validator("officials")
    @classmethod
    def _distinct_officials(cls, value: list[OfficialSettings]) -> list[OfficialSettings]:
        ids = [official.id for official in value]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise ValueError(f"official ids must differ: {', '.join(doubled)} appear twice")
        return value

    def official(self, official_id: str) -> OfficialSettings | None:
        return next((o for o in self.officials if o.id == official_id), None)

    def require_slack_credentials(self) -> None:
        missing = [
            f"slack.{name}"
            for name in ("bot_token", "signing_secret")
            if getattr(self.slack, name) is None
        ]
        if missing:
            raise ConfigError(
                f"{', '.join(missing)}: required to talk to Slack "
                "(set it in the config file or as COORDBOT_SLACK__BOT_TOKEN / "
                "COORDBOT_SLACK__SIGNING_SECRET)"
            )


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from ``path`` (or ./config.toml when present) and the environment."""
    data = _read_toml(path)
    _deep_update(data, overrides)
    try:
        return Settings(_secrets_dir=os.environ.get(SECRETS_DIR_VARIABLE) or None, **data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    except SettingsError as exc:
        raise ConfigError(f"{SECRETS_DIR_VARIABLE}: {exc}") from None


def _read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        if not DEFAULT_CONFIG_FILE.exists():
            return {}
        path = DEFAULT_CONFIG_FILE
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _deep_update(target: dict[str, Any], updates: dict[str, Any]) -> None:
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value


def _describe(exc: ValidationError, path: Path | None) -> str:
    where = f"{path or DEFAULT_CONFIG_FILE}: " if path or DEFAULT_CONFIG_FILE.exists() else ""
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{key}: {message}")
    return where + "; ".join(problems)
