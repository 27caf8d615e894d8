"""Moved to :mod:`tests.support.fakes`; this name stays for modules not yet updated."""

from tests.support.fakes import FakeClock, FakeSlack, FakeSms, FakeVoice

__all__ = ["FakeClock", "FakeSlack", "FakeSms", "FakeVoice"]
