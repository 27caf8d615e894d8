"""The send plan of a notice, worded from the catalogs (``plan.*`` keys, every language).

``2,430 SMS, 3,910 segments: about 1 h 05 min at 1 segment/s (a long code).`` The time is the
carrier's: what the sender's budget lets through, shared by every worker. When the office has
more than one sender configured (a number and a Messaging Service), the plan adds how long the
same send would take with each other one (``; with a Messaging Service pool of 20 numbers,
about 4 min``), so a coordinator sees what the pool saves.
"""

from __future__ import annotations

from datetime import timedelta

from babel.numbers import format_decimal

from bot.i18n.catalog import render
from bot.i18n.rules import language_tag
from bot.sms.rules.preview import SenderOption, SendPlan, send_time

ENGLISH = "en"


def plan_line(plan: SendPlan, language: str = ENGLISH) -> str:
    counts = {"texts": _number(plan.texts, language), "segments": _number(plan.segments, language)}
    if plan.duration is None:
        return render("plan.no_budget", language, **counts)
    others = "".join(
        render("plan.other", language, sender=sender_name(other, language),
               duration=duration_text(send_time(plan.segments, other.segments_per_s), language))
        for other in plan.others if other.segments_per_s > 0)
    values = {**counts, "duration": duration_text(plan.duration, language),
              "rate": _rate(plan.segments_per_s, language), "others": others}
    if plan.sender is None:
        return render("plan.summary_unnamed", language, **values)
    return render("plan.summary", language, sender=sender_name(plan.option, language), **values)


def sender_name(option: SenderOption, language: str = ENGLISH) -> str:
    """``a long code``, ``a Messaging Service pool of 20 numbers`` …"""
    if option.sender == "messaging_service":
        key = "plan.pool_one" if option.pool == 1 else "plan.pool"
        return render(key, language, n=_number(option.pool, language))
    return render(f"plan.{option.sender}", language)


def duration_text(duration: timedelta, language: str = ENGLISH) -> str:
    """``about 1 h 05 min``, ``about 4 min``, ``about 40 s`` (to the nearest unit shown)."""
    seconds = max(0, round(duration.total_seconds()))
    if seconds < 60:
        return render("plan.seconds", language, n=seconds)
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return render("plan.minutes", language, n=minutes)
    return render("plan.hours", language, hours=minutes // 60, minutes=f"{minutes % 60:02d}")


def _rate(segments_per_s: float, language: str) -> str:
    shown = f"{segments_per_s:g}"
    return render("plan.rate_one" if shown == "1" else "plan.rate", language, n=shown)


def _number(value: int, language: str) -> str:
    """``2,430`` in English, ``2 430`` in French, as the reader's language groups digits."""
    try:
        return format_decimal(value, locale=language_tag(language))
    except (ValueError, LookupError):  # a language CLDR has no data for
        return f"{value:,}"
