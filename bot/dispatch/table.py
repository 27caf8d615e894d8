"""Every capability's routes, in one table: the only list of what the worker can run."""

from __future__ import annotations

from bot.actions import flows as actions
from bot.calls import flows as calls
from bot.directory import flows as directory
from bot.dispatch.dispatcher import Route
from bot.incidents import flows as incidents
from bot.notes import channel_flows, suggestion_flows
from bot.notes import flows as notes
from bot.records import flows as records
from bot.sms import flows as sms


def all_routes() -> tuple[Route, ...]:
    return (*incidents.ROUTES, *directory.ROUTES, *sms.ROUTES, *calls.ROUTES, *actions.ROUTES,
            *notes.ROUTES, *suggestion_flows.ROUTES, *channel_flows.ROUTES, *records.ROUTES)
