"""A ``twilio`` SDK HTTP client that can send the SDK's requests to another base URL.

``Client(account_sid, auth_token, http_client=BaseUrlHttpClient(base_url))`` talks to
``base_url`` (the sandbox Twilio emulator, a recording proxy …) instead of
``https://api.twilio.com``; with the real Twilio URL nothing is rewritten.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from urllib3.exceptions import ConnectTimeoutError

from bot.ports import DeliveryError, OutcomeUnknown

TWILIO_API_BASE_URL = "https://api.twilio.com"


class SettledSession(requests.Session):
    """A ``requests`` session that reads the environment's proxy and CA-bundle settings once per
    host instead of once per request.

    ``requests`` asks the environment again for every request (``merge_environment_settings``
    walks all of ``os.environ`` for ``*_proxy`` variables and the CA bundle): in a fan-out
    against a local Twilio emulator that was 0.14 ms a request, about a sixth of a bare send's
    CPU time, taken from the sends on the same GIL. A sender's process does not change its environment while
    it runs, so the answer for a host (``no_proxy`` is per host) is kept; a call that passes
    its own proxies, stream, verify or cert setting is not cached.
    """

    def __init__(self) -> None:
        super().__init__()
        self._settled: dict[tuple[str, str], dict] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        host = urlsplit(url)[:2]
        settled = self._settled.get(host)
        if settled is None:
            settled = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._settled[host] = settled
        return dict(settled, proxies=dict(settled["proxies"]))


class BaseUrlHttpClient(TwilioHttpClient):
    def __init__(self, base_url: str, *, timeout: float = 10, pool_connections=True, max_retries=None):
        super().__init__(pool_connections=pool_connections, timeout=timeout, max_retries=max_retries)
        self.base_url = base_url.rstrip("/")
        self._rewrite = self.base_url != TWILIO_API_BASE_URL
        if self.session is not None:
            self.session = _settled_like(self.session)
            # The parent only configures https://; give plain-http targets (a local emulator) the
            # same pool size so concurrent senders keep their connections alive.
            pool_size = max(32, (os.cpu_count() or 1) + 4)
            adapter = (HTTPAdapter(max_retries=max_retries, pool_maxsize=pool_size)
                       if max_retries is not None else HTTPAdapter(pool_maxsize=pool_size))
            self.session.mount("http://", adapter)

        self._local = threading.local()

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False) -> Response:
        self._local.response = None
        response = super().request(method, self.rewrite(url), params=params, data=data,
                                   headers=headers, auth=auth, timeout=timeout,
                                   allow_redirects=allow_redirects)
        self._local.response = response
        return response

    def last_header(self, name: str) -> str | None:
        """A header of the last response this thread received (the SDK's errors drop them, and
        ``Retry-After`` is one)."""
        response = getattr(self._local, "response", None)
        if response is None or not response.headers:
            return None
        wanted = name.lower()
        return next((value for key, value in response.headers.items() if key.lower() == wanted),
                    None)

    def rewrite(self, url: str) -> str:
        """``url`` with a leading ``https://api.twilio.com`` replaced by ``base_url``."""
        if self._rewrite and url.startswith(TWILIO_API_BASE_URL):
            rest = url[len(TWILIO_API_BASE_URL):]
            if not rest or rest[0] in "/?#":
                return self.base_url + rest
        return url


def _settled_like(session: requests.Session) -> SettledSession:
    """A :class:`SettledSession` with ``session``'s adapters (the parent's https pool)."""
    settled = SettledSession()
    for prefix, adapter in session.adapters.items():
        settled.mount(prefix, adapter)
    session.close()
    return settled


def failed_before_sending(error: BaseException) -> bool:
    """Whether a transport error happened before the request could reach the server: the
    connection was never made (refused, unresolvable, timed out connecting). A reset or timeout
    later (reading the answer, or on a kept-alive connection) may follow a request the server
    received and acted on."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = error.args[0] if error.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return isinstance(reason, ConnectTimeoutError)  # NewConnectionError is one too
    return False


def transport_error(error: BaseException) -> DeliveryError:
    """A request that failed below HTTP: an ordinary retryable error when it never reached
    Twilio, else ``OutcomeUnknown`` (Twilio may have acted on it: look before sending again)."""
    if failed_before_sending(error):
        return DeliveryError("connection_error", str(error), permanent=False)
    return OutcomeUnknown("connection_lost", f"{type(error).__name__}: {error}")
