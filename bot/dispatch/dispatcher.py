"""One way to run any typed command: role check, unit of work, commit, outbox wake-up, reply.

Slack handlers build a command object (a frozen dataclass from a capability's ``commands.py``);
the worker process looks its ``Route`` up by the command's class in the one table that
``bootstrap`` builds from every capability's ``flows.ROUTES``. A command class without a route
fails at start-up (``Dispatcher`` checks the table), never later in another process.

A route's optional ``before`` runs outside the transaction for what needs the network (a Slack
user's time zone or name, a message's text): no write lock is held while Slack answers. ``after``
does the same once the transaction is over (a permalink for the reply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.access.roles import Roles
from bot.clock import Clock
from bot.config import Settings
from bot.db.unit_of_work import Database, UnitOfWork
from bot.directory.service.people import SlackNames
from bot.outbox.worker import Wakeup
from bot.ports import SlackPort


@dataclass(frozen=True)
class Actor:
    """Who ran a command, and where (the channel is None for a DM or a form without one)."""

    user: str
    channel: str | None = None


@dataclass(frozen=True)
class Ports:
    """What flows may use besides the unit of work; the composition root fills it."""

    settings: Settings
    db: Database
    clock: Clock
    slack: SlackPort
    roles: Roles
    wakeup: Wakeup
    names: SlackNames | None = None

    def zone_of(self, user: str) -> str:
        """The user's Slack time zone, else the office's (a Slack call: use in ``before``)."""
        return self.slack.user_timezone(user) or self.settings.timezone

    def name_of(self, user: str | None) -> str | None:
        return self.names.lookup(user) if self.names and user else None


@dataclass
class Context:
    """What a flow gets: the open unit of work, the actor, the instant, and the ports."""

    uow: UnitOfWork
    actor: Actor
    now: datetime
    ports: Ports
    prepared: Any = None

    @property
    def settings(self) -> Settings:
        return self.ports.settings

    @property
    def user(self) -> str:
        return self.actor.user


Flow = Callable[[Any, Context], Any]


@dataclass(frozen=True)
class Route:
    """How one command class runs. ``role`` with ``doing`` is checked before anything else."""

    command: type
    flow: Flow
    role: str | None = None
    doing: str = ""
    read_only: bool = False
    before: Callable[[Any, Actor, Ports], Any] | None = None
    after: Callable[[Any, Any, Actor, Ports], Any] | None = None


class Dispatcher:
    def __init__(self, routes: Iterable[Route], ports: Ports):
        self._routes: dict[type, Route] = {}
        for route in routes:
            if route.command in self._routes:
                raise ValueError(f"two routes for {route.command.__name__}")
            self._routes[route.command] = route
        self.ports = ports

    @property
    def routes(self) -> Mapping[type, Route]:
        return self._routes

    def run(self, command: Any, actor: Actor, *,
            before_commit: Callable[[UnitOfWork, Any], None] | None = None) -> Any:
        """Runs ``command`` for ``actor``; returns its reply (a ``Reply``, a view, or None).

        ``before_commit`` joins the flow's transaction (the inbox marks its request done there),
        for routes that write and have no ``after`` step.
        """
        route = self._routes.get(type(command))
        if route is None:
            raise LookupError(f"no route for {type(command).__name__}")
        ports = self.ports
        if route.role:
            ports.roles.require(route.role, actor.user, route.doing)
        prepared = route.before(command, actor, ports) if route.before else None
        with ports.db.unit_of_work(read_only=route.read_only) as uow:
            context = Context(uow=uow, actor=actor, now=ports.clock.now(), ports=ports,
                              prepared=prepared)
            result = route.flow(command, context)
            if not route.read_only:
                if before_commit is not None and route.after is None:
                    before_commit(uow, result)
                uow.commit()
        if not route.read_only:
            ports.wakeup.notify()
        return route.after(command, result, actor, ports) if route.after else result

