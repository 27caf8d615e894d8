"""What a worker's start-up does not load: every module imported before the first tick is time a
cold restart adds to each reminder that came due meanwhile.

A fresh interpreter (this one has imported everything) builds the product as ``coordbot worker
--scheduler`` does and runs the scheduler's catch-up tick; then neither slack_sdk (the Slack
gateway is built at its first call), httpx (the summarizer, not configured), TwiML (the voice
gateway) nor APScheduler (imported once the catch-up is done) may be loaded, and pydantic must not
have scanned the installed distributions for plugins.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from bot.db.unit_of_work import open_database
from bot.gateways.lazy import OnFirstUse
from tests.support.processes import clean_env

PROBE = """
import json, sys
import importlib.metadata as metadata
scanned = []
real = metadata.entry_points
metadata.entry_points = lambda *a, **k: scanned.append(k) or real(*a, **k)
from bot.cli.common import read_settings, start_container
from schedules.runner import SchedulerRunner
container = start_container(read_settings(None), upgrade=False)
runner = SchedulerRunner(container)
runner.tick()
loaded = [m for m in ("slack_sdk", "httpx", "twilio.twiml", "apscheduler") if m in sys.modules]
container.stop()
print(json.dumps({"loaded": loaded, "plugin_scans": len(scanned)}))
"""


def test_the_worker_path_to_its_first_tick_loads_no_sdk_it_does_not_use(database_url, tmp_path):
    open_database(database_url).dispose()  # the schema at head, as a release's migration job leaves it
    env = clean_env(COORDBOT_DATABASE__URL=database_url, COORDBOT_TWILIO__ACCOUNT_SID="AC1",
                    COORDBOT_TWILIO__AUTH_TOKEN="token", COORDBOT_TWILIO__FROM_NUMBER="+12025550100",
                    COORDBOT_SLACK__BOT_TOKEN="xoxb-unused", COORDBOT_SLACK__SIGNING_SECRET="unused")
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"loaded": [], "plugin_scans": 0}, found


def test_a_gateway_on_first_use_is_built_once_whichever_thread_asks_first():
    built: list[int] = []

    class Gateway:
        def post(self, text: str) -> str:
            return f"posted {text}"

    def build() -> Gateway:
        built.append(1)
        return Gateway()

    gateway = OnFirstUse(build)
    assert not gateway.built and built == []
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(gateway.post("hi"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["posted hi"] * 8 and built == [1] and gateway.built
