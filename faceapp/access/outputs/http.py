"""HTTP door output: Wi-Fi relays (Shelly, Sonoff DIY, Tasmota) and door controllers with an HTTP API.

Options: ``method`` (default GET without a body, POST with one), ``headers`` (a dict; values are
templates), ``body`` (a template). The URL is a template too, e.g.
``http://10.0.0.5/relay/0?turn=on&timer=${pulse_s}``. Any 2xx/3xx answer counts as done.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from faceapp.access.outputs.base import DEFAULT_TIMEOUT_S, OutputError, Pulse, option, render


class HttpOutput:
    kind = "http"

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        options = options or {}
        self.url = url
        self.body = option(options, "body", "")
        self.method = str(option(options, "method", "POST" if self.body else "GET")).upper()
        self.headers = dict(option(options, "headers", {}))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutputError(f"{url!r} is not an http:// or https:// address")
        self.host, self.port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)

    def describe(self) -> str:
        return f"{self.method} {urlsplit(self.url)._replace(query='', fragment='').geturl()}"

    def fire(self, pulse: Pulse, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        data = render(self.body, pulse).encode("utf-8") if self.body else None
        headers = {k: render(str(v), pulse) for k, v in self.headers.items()}
        request = urllib.request.Request(render(self.url, pulse), data=data, headers=headers, method=self.method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read(65536)
        except urllib.error.HTTPError as exc:
            raise OutputError(f"{self.describe()} answered {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OutputError(f"{self.describe()} failed: {reason}") from exc

    def check(self, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        """The relay's host accepts a connection (nothing is sent: the door stays shut)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout):
                return f"{self.host}:{self.port} is reachable"
        except OSError as exc:
            raise OutputError(f"{self.host}:{self.port} is not reachable: {exc}") from exc
