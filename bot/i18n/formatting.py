"""Times in the reader's zone: the rule lives in ``bot.i18n.rules``, which new code imports.

This name stays while the slash-command flows still import it from here.
"""

from bot.i18n.rules import local_time

__all__ = ["local_time"]
