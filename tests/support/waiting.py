"""The one way tests wait for something another thread or process does: poll with a deadline.

It is the sandbox harness's ``wait_until`` (``coordbot demo`` waits with it too): it returns the
predicate's first true value and fails with ``what`` (and ``describe()``, when given) after
``timeout_s``.
"""

from bot.sandbox.harness import wait_until

__all__ = ["wait_until"]
