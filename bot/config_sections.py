"""The configuration's sections about call notes, their review and the records kept: read by
``bot.config.Settings``, which names every section (and re-exports these)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class Section(BaseModel):
    """A ``[section]`` of the file: a misspelt key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class NotesSettings(Section):
    review_channel: str | None = None
    distribution_channels: list[str] = Field(default_factory=list)
    sms_summary: bool = False
    link_ttl_h: int = Field(default=72, ge=1, le=24 * 90)
    decision_reaction: str = "white_check_mark"
    issue_reaction: str = "warning"
    action_reaction: str = "pushpin"
    # The office's public page of approved notes, named in SMS summaries that do not fit
    # whole ("More: …"); may name {incident} (the key) and {call} (the number). Empty: none.
    public_page_url: str = ""


class SummarizerSettings(Section):
    """An OpenAI-compatible chat-completions endpoint the office runs itself. Empty ``url``
    (the default): no summariser. When set, each call's transcript is sent to it."""

    url: str = Field(default="", pattern=r"^(https?://\S+)?$")  # …/v1/chat/completions
    model: str = ""
    timeout_s: float = Field(default=30.0, gt=0, le=300)
    api_key: SecretStr | None = None  # COORDBOT_SUMMARIZER__API_KEY, if the endpoint wants one
    max_chars: int = Field(default=60_000, ge=1000, le=1_000_000)  # transcript sent, at most

    @model_validator(mode="after")
    def _model_named(self) -> SummarizerSettings:
        if self.url and not self.model:
            raise ValueError("summarizer.model: name the model the endpoint serves")
        return self


class OfficialSettings(Section):
    """An official who reviews call notes on the web (``[[officials]]``), reached by SMS
    (``phone``) or by a Slack DM (``slack_user``): the review link and its one-time codes go
    there. ``email`` is kept for the record; the bot sends no e-mail, so it is no channel."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    slack_user: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,20}$")
    email: str | None = Field(default=None, max_length=254)
    language: str = "en"

    @model_validator(mode="after")
    def _reachable(self) -> OfficialSettings:
        if not self.phone and not self.slack_user:
            raise ValueError(f"official {self.id!r} needs a phone (SMS) or a slack_user (DM): "
                             "the review link and its codes are sent there (the bot sends no "
                             "e-mail)")
        return self

    @property
    def actor(self) -> str:
        """Who the audit trail names for what this official does on the web."""
        return f"official:{self.id}"


class WebReviewSettings(Section):
    """The officials' review on the web: a personal link, then a one-time code, then a session."""

    link_ttl_h: int = Field(default=72, ge=1, le=24 * 30)
    code_ttl_min: int = Field(default=10, ge=1, le=60)
    code_attempts: int = Field(default=5, ge=1, le=10)
    codes_per_hour: int = Field(default=5, ge=1, le=20)
    session_ttl_min: int = Field(default=30, ge=5, le=240)


class AuditSettings(Section):
    # How often the chain's head is copied into a log line and each active incident's channel.
    anchor_every_h: int = Field(default=6, ge=1, le=168)


class RetentionSettings(Section):
    """How long personal data is kept (``bot.records.retention``). Approved notes and the audit
    trail are kept whatever these say; an incident on legal hold is never purged."""

    # Purging runs at all (off: nothing is ever purged, `coordbot retention run` says so).
    enabled: bool = True
    # Days after an incident was closed until its message bodies, inbound texts, transcripts,
    # unapproved notes drafts and delivery payloads are removed and its phone numbers reduced
    # to their last four digits.
    after_closed_days: int = Field(default=180, ge=1, le=3650)
    # The same for texts and deliveries tied to no incident, counted from when they were
    # received or queued.
    unattached_after_days: int = Field(default=180, ge=1, le=3650)
    # Acknowledged Slack and Twilio requests (the durable inbox holds each typed command) are
    # forgotten this many days after they were run; a replay is still recognised afterwards.
    inbox_after_days: int = Field(default=14, ge=1, le=3650)
    # The hour (office time zone) from which the daily run starts.
    run_hour: int = Field(default=3, ge=0, le=23)
    # Rows changed per transaction (one scheduler tick, or one step of the command).
    batch_size: int = Field(default=500, ge=1, le=10000)
