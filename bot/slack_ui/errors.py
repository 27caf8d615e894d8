"""What a person sees when something fails: domain errors as written, the rest with an id."""

import logging
import uuid

from bot.errors import DomainError

log = logging.getLogger("coordbot.errors")


def message_for(error: Exception) -> str:
    if isinstance(error, DomainError):
        return f":warning: {error}"
    error_id = uuid.uuid4().hex[:8]
    log.error("unexpected error %s", error_id, exc_info=error)
    return (f":x: Something went wrong on our side (error id `{error_id}`). Nothing was lost; "
            "please try again, and quote the id to the bot's administrators if it persists.")
