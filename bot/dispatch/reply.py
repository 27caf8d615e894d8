"""What a command shows the person who ran it."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict] | None = field(default=None)
