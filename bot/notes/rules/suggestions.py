"""A suggestion's states: found by a cue phrase, then accepted (as a decision or an action item)
or dropped by a reviewer, once."""

from __future__ import annotations

from dataclasses import dataclass

SUGGESTED = "suggested"
AS_DECISION = "as_decision"
AS_ACTION = "as_action"
DROPPED = "dropped"
ACCEPTED = (AS_DECISION, AS_ACTION)
DECIDED = {AS_DECISION: "accepted as a decision", AS_ACTION: "accepted as an action item",
           DROPPED: "dropped"}


@dataclass(frozen=True)
class Pending:
    """A suggestion still to decide, as the review card shows it."""

    id: int
    kind: str
    text: str
    speaker: str
