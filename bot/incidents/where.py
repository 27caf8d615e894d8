"""The incident a command is about: named by its key, else the channel it was run in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch.grammar import SUBCOMMANDS
from bot.incidents import service as incidents

if TYPE_CHECKING:
    from bot.db.models import Incident
    from bot.dispatch.dispatcher import Context


def incident_for(context: Context, key: str | None, subcommand: str) -> Incident:
    """Raises ``NotFound`` with the subcommand's example when neither names an incident."""
    return incidents.find(context.uow, key=key, channel_id=context.actor.channel,
                          example=SUBCOMMANDS[subcommand].example)
