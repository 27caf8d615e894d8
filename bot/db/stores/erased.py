"""Erased numbers: kept only as keyed hashes, checked with every opt-out list.

The key is random, made on first use and kept in the database (``erasure_key``): the hash stops
the number being read back from ``erased_numbers`` (or an export of it), but whoever holds the
whole database can test a number they guess. Some form of the number must stay, or the person
would be texted again when it is re-imported.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import ErasedNumber, ErasureKey
from bot.db.stores.membership import among

KEY_ID = 1


class ErasedNumbers:
    def __init__(self, session: Session):
        self._session = session
        self._key: bytes | None = None
        self._looked = False

    def _secret(self, *, create: bool) -> bytes | None:
        if self._key is None and (create or not self._looked):
            self._looked = True
            row = self._session.get(ErasureKey, KEY_ID)
            if row is None and create:
                try:
                    with self._session.begin_nested():
                        self._session.add(ErasureKey(id=KEY_ID, key=secrets.token_hex(32)))
                except IntegrityError:  # another process made it first: use theirs
                    pass
                row = self._session.get(ErasureKey, KEY_ID)
            self._key = bytes.fromhex(row.key) if row is not None else None
        return self._key

    def digest(self, phone: str, *, create: bool = False) -> str | None:
        key = self._secret(create=create)
        return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest() if key else None

    def add(self, phone: str, *, at: datetime) -> str:
        """Keeps ``phone`` as its hash; returns the hash (the same number, the same hash)."""
        digest = self.digest(phone, create=True)
        if self._session.get(ErasedNumber, digest) is None:
            self._session.add(ErasedNumber(digest=digest, at=at))
            self._session.flush()
        return digest

    def among(self, phones: Iterable[str]) -> set[str]:
        """Those of ``phones`` that were erased (none before the first erasure: no key yet)."""
        by_digest = {}
        for phone in phones:
            digest = self.digest(phone)
            if digest is None:
                return set()
            by_digest[digest] = phone
        found: set[str] = set()
        for listed in among(self._session, ErasedNumber.digest, list(by_digest)):
            found.update(by_digest[d] for d in self._session.scalars(
                select(ErasedNumber.digest).where(listed)))
        return found
