"""``coordbot notes``: export call notes as clean documents, attach a transcript to a call.

``INC-2026-0001`` names every call of an incident, ``INC-2026-0001#2`` its call 2. An export
shows the approved version of approved notes, and the latest version of the others, marked as a
draft that is not approved.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import ConfigOption, actor, container_for, fail, write_output
from bot.errors import DomainError

if TYPE_CHECKING:
    from bot.db.models import CallNotes, Incident
    from bot.db.unit_of_work import UnitOfWork

notes_app = typer.Typer(
    help="Call notes: export them as Markdown or HTML documents, attach transcripts.",
    no_args_is_help=True)

_REF = re.compile(r"^\s*(?P<key>[^#\s]+)\s*(?:#\s*(?P<call>\d{1,6}))?\s*$")
REF_HELP = "INC-2026-0001 (every call of the incident) or INC-2026-0001#2 (its call 2)."


class Format(StrEnum):
    MD = "md"
    HTML = "html"
    PDF = "pdf"


def parse_ref(ref: str, *, call_needed: bool = False) -> tuple[str, int | None]:
    """``"inc-2026-1#2"`` → ``("INC-2026-0001", 2)``; a malformed reference is a usage error."""
    from bot.incidents.rules import normalise_key

    match = _REF.match(ref)
    key = normalise_key(match.group("key")) if match else None
    if key is None:
        raise typer.BadParameter(f"{ref!r} is not an incident or call: use {REF_HELP}",
                                 param_hint="REF")
    number = int(match.group("call")) if match.group("call") else None
    if call_needed and number is None:
        raise typer.BadParameter(f"name the call too, e.g. {key}#2", param_hint="REF")
    return key, number


def _incident(uow: UnitOfWork, key: str) -> Incident:
    incident = uow.incidents.by_key(key)
    if incident is None:
        raise DomainError(f"there is no incident {key}")
    return incident


def _notes(uow: UnitOfWork, incident: Incident, number: int | None) -> list[CallNotes]:
    found = list(uow.notes.for_incident(incident.id))
    numbers = {n.id: uow.calls.get(n.call_id).number for n in found}
    if number is None:
        if not found:
            raise DomainError(f"{incident.key} has no call notes yet")
        return sorted(found, key=lambda n: numbers[n.id])
    if uow.calls.by_number(incident.id, number) is None:
        raise DomainError(f"{incident.key} has no call {number}")
    chosen = [n for n in found if numbers[n.id] == number]
    if not chosen:
        raise DomainError(f"call {number} of {incident.key} has no notes yet")
    return chosen


@notes_app.command("export")
def export(
    ref: Annotated[str, typer.Argument(help=REF_HELP)],
    fmt: Annotated[Format, typer.Option(
        "--format", "-f", help="md, html, or pdf (to file: needs --output).")] = Format.MD,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File to write (default: standard output).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the notes of an incident's calls, or of one call, as one clean document."""
    from bot.notes import html as notes_html
    from bot.notes.service import documents
    from bot.records import access

    key, number = parse_ref(ref)
    if fmt == Format.PDF and output is None:
        raise typer.BadParameter("a PDF is written to a file: add --output notes.pdf",
                                 param_hint="--format")
    with container_for(config) as container, container.db.unit_of_work(read_only=True) as uow:
        settings = container.settings
        incident = _incident(uow, key)
        found = _notes(uow, incident, number)
        title, parts = documents.document(uow, found, settings=settings,
                                             one_call=number is not None)
        incident_id, notes_ids = incident.id, [n.id for n in found]
        access.recorded(container.db, at=container.clock.now(), actor=actor(),
                        action=access.NOTES_EXPORTED, incident_id=incident_id, notes=notes_ids,
                        format=fmt.value)
    done = f"exported the notes of {len(parts)} call(s) to {output}"
    if fmt == Format.MD:
        write_output(notes_html.markdown(title, parts, zone=settings.timezone), output, done=done,
                     write=lambda path, text: path.write_text(text, encoding="utf-8"))
        return
    page = notes_html.page(title, parts, zone=settings.timezone, office=settings.office_name)
    if fmt == Format.HTML:
        write_output(page, output, done=done,
                     write=lambda path, text: path.write_text(text, encoding="utf-8"))
        return
    write_output(page, output, done=done, write=lambda path, text: _private_file(
        path, notes_html.pdf(text)))


def _private_file(path: Path, data: bytes) -> None:
    """A PDF only its owner can read: the notes name community members."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


@notes_app.command("invite")
def invite(
    ref: Annotated[str, typer.Argument(help="The call: INC-2026-0001#2.")],
    official: Annotated[list[str] | None, typer.Option(
        "--official", help="An [[officials]] id (repeat for more; default: every official).")]
    = None,
    config: ConfigOption = None,
) -> None:
    """Send officials a fresh personal link to review a call's notes on the web (by SMS or a
    Slack DM, as each is configured); for a link that expired."""
    from bot.notes.service import review_access

    key, number = parse_ref(ref, call_needed=True)
    with container_for(config) as container, container.db.unit_of_work() as uow:
        settings = container.settings
        chosen = [settings.official(name) for name in official or [o.id for o in settings.officials]]
        unknown = [name for name, found in zip(official or [], chosen, strict=False) if found is None]
        if unknown or not chosen:
            configured = ", ".join(o.id for o in settings.officials) or "none"
            fail(f"no such official: {', '.join(unknown)} (configured: {configured})" if unknown
                 else "no [[officials]] are configured: add them to the config file first")
        [notes] = _notes(uow, _incident(uow, key), number)
        sent = review_access.invite_all(uow, notes, now=container.clock.now(), settings=settings,
                                        officials=chosen, again=True)
        if not sent:
            fail("links cannot be signed: set slack.signing_secret (or twilio.auth_token)")
        uow.commit()
    typer.echo(f"queued a fresh review link to {sent} official(s) for {key} call {number}")


@notes_app.command("amend")
def amend(
    ref: Annotated[str, typer.Argument(help="The call: INC-2026-0001#2.")],
    file: Annotated[Path, typer.Argument(help="The amended notes: a UTF-8 Markdown file.")],
    reason: Annotated[str, typer.Option("--reason", help="Why they are amended (kept with the "
                                                         "new version).")],
    config: ConfigOption = None,
) -> None:
    """Amend approved notes: a new version with its reason, approved by an official again (the
    officials are sent their review links); start from `notes export REF`."""
    from bot.access.roles import operator
    from bot.notes.service import review

    key, number = parse_ref(ref, call_needed=True)
    text = _read_text(file)
    who = actor()
    with container_for(config) as container, container.db.unit_of_work() as uow:
        [notes] = _notes(uow, _incident(uow, key), number)
        amended = review.amend(uow, notes_id=notes.id, text=text, reason=reason, actor=who,
                               roles=operator(who), now=container.clock.now(),
                               settings=container.settings, base_version=notes.version)
        uow.commit()
        version = amended.version
    typer.echo(f"saved version {version} of the notes of {key} call {number}: it waits for an "
               "official's approval")


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file}: not UTF-8 text; save it as UTF-8 and try again")
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")


@notes_app.command("attach")
def attach(
    ref: Annotated[str, typer.Argument(help="The call: INC-2026-0001#2.")],
    file: Annotated[Path, typer.Argument(help="The transcript: a UTF-8 text file.")],
    config: ConfigOption = None,
) -> None:
    """Attach a transcript to a call: its DECISION:/ISSUE:/ACTION: lines feed the notes.

    Notes nobody has edited are redrafted; edited notes are kept, and the marked lines are posted
    in the review channel for the reviewers to add.
    """
    from bot.notes.service import transcripts

    key, number = parse_ref(ref, call_needed=True)
    text = _read_text(file)
    with container_for(config) as container, container.db.unit_of_work() as uow:
        incident = _incident(uow, key)
        call = uow.calls.by_number(incident.id, number)
        if call is None:
            raise DomainError(f"{key} has no call {number}")
        message = transcripts.attach_transcript(
            uow, call=call, text=text, source=f"file:{file.name}", actor=actor(),
            now=container.clock.now(), settings=container.settings)
        uow.commit()
    typer.echo(message.replace("`", ""))
