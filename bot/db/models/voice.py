"""Phone calls that read a message to a contact: who asked for no more of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class VoiceOptOut(Base):
    """Numbers whose person pressed 0 on a message call ("stop these calls"): checked before
    every message call. Apart from the SMS opt-out list: a STOP texted stops texts, not calls,
    and pressing 0 stops calls, not texts."""

    __tablename__ = "voice_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
