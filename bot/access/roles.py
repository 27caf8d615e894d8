"""Roles: who may coordinate and who may approve, from config user ids and user groups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from bot.errors import PermissionDenied
from bot.ports import DeliveryError, SlackPort

GROUP_CACHE_TTL = timedelta(minutes=5)


class Roles:
    """Config entries are Slack user ids (``U…``/``W…``) or user groups (``@handle`` or ``S…``).

    Group membership is looked up through Slack and cached for a few minutes.
    """

    def __init__(self, *, coordinators: Iterable[str], officials: Iterable[str],
                 slack: SlackPort, clock: Clock):
        self._entries = {"coordinator": list(coordinators), "official": list(officials)}
        self._slack = slack
        self._clock = clock
        self._groups: dict[str, tuple[object, frozenset[str]]] = {}

    def has(self, role: str, user_id: str) -> bool:
        entries = self._entries[role]
        if user_id in entries:
            return True
        return any(user_id in self._group(entry) for entry in entries if _is_group(entry))

    def require(self, role: str, user_id: str, doing: str) -> None:
        if not self.has(role, user_id):
            raise PermissionDenied(
                f"Only {role}s can {doing}. Ask a {role} to do it, or ask an administrator to "
                f"add you to `roles.{role}s` in the bot's configuration."
            )

    def user_ids(self, role: str) -> list[str]:
        """Everyone holding ``role``, groups expanded."""
        members: dict[str, None] = {}
        for entry in self._entries[role]:
            for user in self._group(entry) if _is_group(entry) else (entry,):
                members[user] = None
        return list(members)

    def _group(self, entry: str) -> frozenset[str]:
        now = self._clock.now()
        cached = self._groups.get(entry)
        if cached and cached[0] > now:  # type: ignore[operator]
            return cached[1]
        try:
            members = frozenset(self._slack.usergroup_members(entry))
        except DeliveryError:
            if cached:
                return cached[1]
            raise
        self._groups[entry] = (now + GROUP_CACHE_TTL, members)
        return members


def _is_group(entry: str) -> bool:
    return entry.startswith("@") or entry.startswith("S")


class RoleCheck(Protocol):
    """What the use cases ask of roles: :class:`Roles` for Slack users, :class:`OneRole` for
    an official signed in on the web or an operator at the command line."""

    def has(self, role: str, user_id: str) -> bool: ...

    def require(self, role: str, user_id: str, doing: str) -> None: ...


class OneRole:
    """One actor holding one role and no other: an official from ``[[officials]]`` signed in on
    the web with a one-time code (``official:{id}``, :func:`web_official`), or whoever runs
    ``coordbot`` on the server (:func:`operator`)."""

    def __init__(self, role: str, actor: str, *, otherwise: str = ""):
        self._role, self._actor, self._otherwise = role, actor, otherwise

    def has(self, role: str, user_id: str) -> bool:
        return role == self._role and user_id == self._actor

    def require(self, role: str, user_id: str, doing: str) -> None:
        if not self.has(role, user_id):
            raise PermissionDenied(f"Only {role}s can {doing}.{self._otherwise}")


def web_official(actor: str) -> OneRole:
    return OneRole("official", actor)


def operator(actor: str) -> OneRole:
    """Trusted as a coordinator, as the other commands trust a shell on the server; never as an
    official (approving stays with the officials)."""
    return OneRole("coordinator", actor, otherwise=" From the command line, ask an official to "
                   "do it on the review card or their web review.")
