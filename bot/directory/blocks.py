"""Slack text about an incident's audience; phone numbers always masked."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping

from bot.db.models import Incident
from bot.directory.rules.audience import SMS, VOICE, Member, Summary
from bot.directory.rules.phones import mask
from bot.i18n.languages import language_name
from bot.slack_ui.text import escape

CHANNEL_LABELS = {"slack": "Slack", "sms": "SMS", "voice": "phone call", "unreachable": "unreachable"}
SHOWN = 15
Names = Mapping[int, tuple[str, str]]  # contact id -> (name, organisation)


def _counts(counter: Counter, label=lambda key: key) -> str:
    return " · ".join(f"{label(key)} {count}" for key, count in counter.most_common()) or "none"


def member_line(member: Member, name: str, organisation: str) -> str:
    org = f" ({escape(organisation)})" if organisation else ""
    via = CHANNEL_LABELS[member.channel]
    if member.channel in (SMS, VOICE):
        via += f" {mask(member.phone)}"
    return (f"• *{escape(name)}*{org} — {via}, {_language(member)} — "
            f"{'; '.join(member.reasons)}")


def _language(member: Member) -> str:
    """``Spanish``, or ``Urdu (texts in English)`` for a language without a catalog."""
    spoken = language_name(member.spoken)
    if member.spoken == member.language:
        return spoken
    return f"{spoken} (texts in {language_name(member.language)})"


def summary(incident: Incident, members: list[Member], totals: Summary, people: Names) -> str:
    """``people``: the names of at least the first ``SHOWN`` members."""
    lines = [f"*Audience for {incident.key}: {escape(incident.title)}* — {totals.total} contacts"]
    if not members:
        lines.append("Nobody in the directory matches this incident's regions and type yet. "
                     "Import contacts with `coordbot contacts import FILE.csv`, or add people "
                     "with `/incident contacts add PHONE-OR-NAME`.")
        return "\n".join(lines)
    lines += [
        f"*By channel:* {_counts(totals.by_channel, CHANNEL_LABELS.get)}",
        f"*By language:* {_counts(totals.by_language, language_name)}",
    ]
    if totals.languages_without_interpreter:
        names = ", ".join(language_name(t) for t in totals.languages_without_interpreter)
        lines.append(f":warning: No contact tagged `interpreter` for: {names}")
    if totals.catalogs_not_reviewed:
        names = ", ".join(language_name(t) for t in totals.catalogs_not_reviewed)
        lines.append(f":warning: SMS texts not yet reviewed by a translator for: {names} "
                     "(`coordbot catalogs status`)")
    lines += [
        f"*By organisation type:* {_counts(totals.by_organisation_type)}",
        f"*By state:* {_counts(totals.by_region)}",
        f"*First {min(SHOWN, len(members))}:*",
        *(member_line(m, *people[m.id]) for m in members[:SHOWN]),
        "`/incident contacts why NAME` · `contacts add PHONE-OR-NAME` · "
        "`contacts remove PHONE-OR-NAME` · `contacts export`",
    ]
    return "\n".join(lines)


def why(incident: Incident, name: str, organisation: str, member: Member | None,
        removed: bool) -> str:
    if member:
        return f"{member_line(member, name, organisation)}\nIn {incident.key}'s audience because: " + \
            "; ".join(member.reasons) + "."
    if removed:
        return f"{escape(name)} was removed from {incident.key}'s audience by a coordinator."
    return (f"{escape(name)} is not in {incident.key}'s audience: they do not serve "
            f"{', '.join(incident.regions)} (or nationally) for {incident.type}s, and carry no "
            "always-include tag. `/incident contacts add` adds them.")


def export_csv(members: list[Member], names: Names, *, bom: bool = True) -> str:
    """The audience as CSV; with ``bom`` it starts with a byte-order mark, without which Excel
    reads the file in a legacy code page and garbles accents."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["name", "organisation", "organisation_type", "channel", "phone_masked",
                     "language", "sms_language", "regions", "reasons"])
    for m in members:
        name, organisation = names[m.id]
        writer.writerow([name, organisation, m.organisation_type, m.channel,
                         mask(m.phone) if m.phone else "", m.spoken, m.language,
                         ";".join(m.regions), "; ".join(m.reasons)])
    return out.getvalue()
