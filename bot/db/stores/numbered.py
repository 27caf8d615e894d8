"""Rows numbered 1, 2 … within an incident (calls, action items): the queries they share."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

Row = TypeVar("Row")


class NumberedRows(Generic[Row]):
    model: ClassVar[Any]

    def __init__(self, session: Session):
        self._session = session

    def add(self, row: Row) -> None:
        self._session.add(row)
        self._session.flush()

    def get(self, row_id: int) -> Row | None:
        return self._session.get(self.model, row_id)

    def next_number(self, incident_id: int) -> int:
        current = self._session.scalar(select(func.max(self.model.number))
                                       .where(self.model.incident_id == incident_id))
        return (current or 0) + 1

    def by_number(self, incident_id: int, number: int) -> Row | None:
        return self._session.scalar(select(self.model).where(self.model.incident_id == incident_id,
                                                             self.model.number == number))
