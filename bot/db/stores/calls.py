"""Calls, invitations, attendance and persisted due jobs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bot.db.models import Attendance, Call, DueJob, Invitation
from bot.db.stores.numbered import NumberedRows


class CallRepository(NumberedRows[Call]):
    model = Call

    def for_incident(self, incident_id: int, *, include_past: bool = True,
                     now: datetime | None = None) -> Sequence[Call]:
        query = select(Call).where(Call.incident_id == incident_id).order_by(Call.starts_at)
        if not include_past and now is not None:
            query = query.where(Call.starts_at >= now)
        return self._session.scalars(query).all()

    def current(self, incident_id: int, *, now: datetime) -> Call | None:
        """The incident's call under way at ``now``: in progress, or inside its scheduled time."""
        calls = self._session.scalars(
            select(Call).where(Call.incident_id == incident_id,
                               Call.status.in_(["scheduled", "in_progress"]),
                               Call.starts_at <= now).order_by(Call.starts_at.desc())).all()
        for call in calls:
            if call.status == "in_progress" or now <= call.starts_at + timedelta(
                    minutes=call.duration_min):
                return call
        # People often join before the scheduled start: a conference with someone on the line.
        return self._session.scalar(
            select(Call).join(Attendance, Attendance.call_id == Call.id)
            .where(Call.incident_id == incident_id, Call.status.in_(["scheduled", "in_progress"]),
                   Attendance.left_at.is_(None)).order_by(Call.starts_at).limit(1))

    def with_pin(self, pin: str, *, earliest: datetime, latest: datetime) -> Sequence[Call]:
        """Calls not over with this PIN whose start is in [earliest, latest], soonest first
        (the occurrences of a series share one PIN)."""
        return self._session.scalars(
            select(Call).where(Call.pin == pin, Call.status.in_(["scheduled", "in_progress"]),
                               Call.starts_at >= earliest, Call.starts_at <= latest)
            .order_by(Call.starts_at)).all()

    def by_conference(self, name: str) -> Call | None:
        return self._session.scalar(select(Call).where(Call.conference_name == name))

    def pins_in_use(self, *, earliest: datetime, latest: datetime) -> set[str]:
        return set(self._session.scalars(
            select(Call.pin).where(Call.status.in_(["scheduled", "in_progress"]),
                                   Call.starts_at >= earliest,
                                   Call.starts_at <= latest)))

    def renumber_by_time(self, incident_id: int) -> list[tuple[Call, int]]:
        """Numbers the incident's calls 1, 2 … in the order of their scheduled starts; returns
        (call, its former number) for each call whose number changed."""
        ordered = self._session.scalars(select(Call).where(Call.incident_id == incident_id)
                                        .order_by(Call.starts_at, Call.id)).all()
        moved = [(call, call.number, rank) for rank, call in enumerate(ordered, 1)
                 if call.number != rank]
        # Through numbers no call has (negative ids), so (incident, number) stays unique.
        for call, _, _ in moved:
            call.number = -call.id
        self._session.flush()
        for call, _, rank in moved:
            call.number = rank
        self._session.flush()
        return [(call, old) for call, old, _ in moved]

    # invitations
    def add_invitations(self, invitations: list[Invitation]) -> None:
        self._session.add_all(invitations)
        self._session.flush()

    def invitations(self, call_id: int) -> Sequence[Invitation]:
        return self._session.scalars(select(Invitation).where(Invitation.call_id == call_id)
                                     .order_by(Invitation.id)).all()

    def open_invitation(self, contact_id: int, *, now: datetime) -> Invitation | None:
        """The contact's invitation to the soonest call that has not started yet."""
        return self._session.scalar(
            select(Invitation).join(Call, Call.id == Invitation.call_id)
            .where(Invitation.contact_id == contact_id, Call.status == "scheduled",
                   Call.starts_at > now)
            .order_by(Call.starts_at).limit(1))

    # attendance
    def attendance(self, call_id: int) -> Sequence[Attendance]:
        return self._session.scalars(select(Attendance).where(Attendance.call_id == call_id)
                                     .order_by(Attendance.joined_at)).all()

    def attendance_by_sid(self, call_sid: str) -> Attendance | None:
        return self._session.scalar(select(Attendance).where(Attendance.call_sid == call_sid))

    def add_attendance(self, row: Attendance) -> None:
        self._session.add(row)
        self._session.flush()

    # due jobs
    def add_job(self, job: DueJob) -> bool:
        if self._session.scalar(select(DueJob.id).where(DueJob.key == job.key)) is not None:
            return False
        self._session.add(job)
        self._session.flush()
        return True

    def claim_due_jobs(self, *, now: datetime, limit: int = 100) -> Sequence[DueJob]:
        """Due pending jobs, locked for this transaction (skipping ones another holds)."""
        return self._session.scalars(
            select(DueJob).where(DueJob.status == "pending", DueJob.due_at <= now)
            .order_by(DueJob.due_at, DueJob.id).limit(limit)
            .with_for_update(skip_locked=True)).all()

    def next_due_at(self) -> datetime | None:
        """When the earliest pending job is due (by the ``status, due_at`` index)."""
        return self._session.scalar(select(func.min(DueJob.due_at)).where(DueJob.status == "pending"))

    def cancel_jobs(self, call_id: int) -> None:
        self._session.execute(update(DueJob).where(DueJob.call_id == call_id,
                                                   DueJob.status == "pending")
                              .values(status="cancelled"))

    def jobs(self, call_id: int) -> Sequence[DueJob]:
        return self._session.scalars(select(DueJob).where(DueJob.call_id == call_id)
                                     .order_by(DueJob.due_at)).all()
