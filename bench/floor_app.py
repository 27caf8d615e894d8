"""The floor for bench/ack_latency.py: a bare Bolt AsyncApp whose ``/incident`` only acks.

It is served exactly like ``coordbot serve`` serves the bot (Starlette + Bolt's Starlette
adapter on ``/slack/events``, uvicorn at log level ``info``), so that the difference between the
two measures the bot's own work. Usage: ``python bench/floor_app.py --port P --api-base-url U``
with the signing secret and bot token in BENCH_SIGNING_SECRET and BENCH_BOT_TOKEN.
"""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route


def create_app(signing_secret: str, token: str, api_base_url: str) -> Starlette:
    bolt = AsyncApp(signing_secret=signing_secret,
                    client=AsyncWebClient(token=token, base_url=api_base_url))

    @bolt.command("/incident")
    async def incident(ack) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(bolt)

    async def slack_events(request: Request):
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-base-url", required=True)
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(os.environ["BENCH_SIGNING_SECRET"], os.environ["BENCH_BOT_TOKEN"],
                     args.api_base_url)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
