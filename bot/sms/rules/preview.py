"""What a coordinator is shown before an SMS notice goes out: values, no I/O.

The notices service builds a ``Preview``; the Slack blocks render it. Keeping the value type
here lets the blocks read it without importing the service that queues messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LanguagePreview:
    language: str
    recipients: int
    segments: int
    example: str
    translated: bool


@dataclass
class Preview:
    notice_id: int
    recipients: int
    total_segments: int
    needs_confirmation: bool
    languages: list[LanguagePreview] = field(default_factory=list)
