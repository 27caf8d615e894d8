"""The supervised command worker process stops when asked: at once, cleanly, its last lines
written (it ends without the interpreter's teardown, ``bot.dispatch.process._exit_stopped``)."""

from __future__ import annotations

import logging

from bot.dispatch.process import CommandProcess


def test_a_stopped_worker_exits_0_after_its_outbox_worker_said_it_stopped(settings, capfd):
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # the child logs at its parent's level
    try:
        runner = CommandProcess(settings, run_outbox=True)
        runner.start()
        assert runner.alive
        code = runner.stop()
    finally:
        root.setLevel(level)
    assert code == 0 and not runner.alive
    assert capfd.readouterr().err.splitlines()[-1].endswith("bot.outbox.worker: outbox worker stopped")
    assert runner.stop() is None  # nothing left to stop
