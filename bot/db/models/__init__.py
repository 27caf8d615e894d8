"""SQLAlchemy 2 typed tables, one module per capability. Instants are timezone-aware UTC (see
``UtcDateTime``).

Every table is re-exported here: the code imports ``bot.db.models``, and the migrations name
``bot.db.models.UtcDateTime``, so both keep working whichever module a table lives in. Importing
this package registers every table on ``Base.metadata`` (what Alembic compares against).
"""

from bot.db.models.actions import ActionItem
from bot.db.models.base import Base, UtcDateTime
from bot.db.models.calls import Attendance, Call, Invitation
from bot.db.models.directory import (
    AudienceChange,
    Contact,
    ContactIncidentType,
    ContactReach,
    ContactRegion,
    ContactTag,
    SlackUserName,
)
from bot.db.models.inbox import InboxDone, InboxRequest
from bot.db.models.incidents import Incident, TimelineEntry
from bot.db.models.jobs import DueJob
from bot.db.models.notes import (
    CallNotes,
    CallTranscript,
    ChannelMessage,
    NotesVersion,
    ReviewCode,
    ReviewSession,
)
from bot.db.models.outbox import OutboxMessage, SenderBudget
from bot.db.models.records import AuditChainHead, AuditEvent, ErasedNumber, ErasureKey
from bot.db.models.sms import Conversation, EarlyStatus, InboundMessage, Notice, SmsOptOut
from bot.db.models.transcripts import TranscriptionChoice, TranscriptSegment, TranscriptSuggestion
from bot.db.models.voice import VoiceOptOut

__all__ = [
    "ActionItem", "Attendance", "AudienceChange", "AuditChainHead", "AuditEvent", "Base", "Call",
    "CallNotes",
    "CallTranscript", "ChannelMessage", "Contact", "ContactIncidentType", "ContactRegion",
    "ContactReach", "ContactTag", "Conversation", "DueJob", "EarlyStatus", "ErasedNumber", "ErasureKey",
    "InboundMessage", "InboxDone",
    "InboxRequest", "Incident", "Invitation", "Notice",
    "NotesVersion", "OutboxMessage", "ReviewCode", "ReviewSession", "SenderBudget",
    "SlackUserName", "SmsOptOut", "TimelineEntry", "TranscriptionChoice", "TranscriptSegment",
    "TranscriptSuggestion", "UtcDateTime",
    "VoiceOptOut",
]
