"""Slack-safe text: what we post never turns into markup or a mention by accident.

Every renderer puts text that came from outside (contact names, titles, SMS bodies, notes, what
people typed) through :func:`escape`, in blocks and in the ``text`` fallback alike: the fallback
is what notifications and screen readers show, and Slack reads ``<!channel>`` there as in blocks.
"""

import re

# "@channel" typed as plain text pings the channel where a client or an app turns names into
# links; a word joiner after the "@" keeps the text as it reads and makes it no mention.
_BROADCAST = re.compile(r"(?<!\w)@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped (so no ``<!here>``, ``<@U…>`` or link), and ``@channel``,
    ``@here``, ``@everyone`` made plain words."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + WORD_JOINER, text)
