"""Suggestions found in a call's live transcript, stored when its notes are drafted or redrafted.

Each final line holding a cue phrase of its language (or English) becomes one suggestion per kind
(decision, action item), once: drafting again finds the same lines and adds nothing. A
suggestion is not a fact; ``suggestion_review`` turns one into a decision or an action item when
a reviewer accepts it.
"""

from __future__ import annotations

from bot.db.models import Call, TranscriptSuggestion
from bot.db.unit_of_work import UnitOfWork
from bot.i18n.cues import languages_for, phrases
from bot.notes.rules.cues import kinds
from bot.notes.rules.suggestions import SUGGESTED, Pending

MAX_TEXT = 1000  # characters of a line kept as the suggestion's text (an item's limit too)


def store(uow: UnitOfWork, call: Call) -> int:
    """Suggests what the call's final lines hold; how many suggestions are new."""
    added = 0
    for segment in uow.transcripts.finals_for_call(call.id):
        lists = [phrases(tag) for tag in languages_for(segment.language)]
        for kind in kinds(segment.text, lists):
            added += uow.transcripts.add_suggestion(TranscriptSuggestion(
                call_id=call.id, segment_id=segment.id, kind=kind,
                text=" ".join(segment.text.split())[:MAX_TEXT], status=SUGGESTED))
    return added


def pending(uow: UnitOfWork, call_id: int) -> list[Pending]:
    found = []
    for suggestion in uow.transcripts.suggestions(call_id):
        if suggestion.status == SUGGESTED:
            segment = uow.transcripts.segment(suggestion.segment_id)
            found.append(Pending(suggestion.id, suggestion.kind, suggestion.text,
                                 segment.speaker if segment else ""))
    return found


def transcript_size(uow: UnitOfWork, call_id: int) -> tuple[int, int]:
    """(final lines, speakers) of the call's live transcript."""
    finals = uow.transcripts.finals_for_call(call_id)
    return len(finals), len({s.speaker for s in finals})
