"""MQTT door output (paho-mqtt): Home Assistant, Zigbee2MQTT/Tasmota relays and similar.

URL: ``mqtt://[user:password@]host[:port]/topic`` (``mqtts://`` for TLS, port 8883 by default).
Options: ``payload`` (a template; default a small JSON object), ``qos`` (0-2, default 1),
``retain``, ``ca_file`` (TLS trust), ``username``/``password`` (instead of the URL's).
"""

from __future__ import annotations

import ssl
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from faceapp.access.outputs.base import DEFAULT_TIMEOUT_S, OutputError, Pulse, option, render

DEFAULT_PAYLOAD = '{"door": "${door}", "action": "${action}", "pulse_ms": ${pulse_ms}, "person": "${person}"}'


class MqttOutput:
    kind = "mqtt"

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        options = options or {}
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname or len(parts.path) < 2:
            raise OutputError(f"{url!r} is not an MQTT address like mqtt://host:1883/topic")
        self.tls = parts.scheme == "mqtts" or bool(options.get("tls"))
        self.host, self.port = parts.hostname, parts.port or (8883 if self.tls else 1883)
        self.topic = unquote(parts.path[1:])
        self.username = option(options, "username", unquote(parts.username) if parts.username else None)
        self.password = option(options, "password", unquote(parts.password) if parts.password else None)
        self.payload = str(option(options, "payload", DEFAULT_PAYLOAD))
        self.qos = int(option(options, "qos", 1))
        self.retain = bool(options.get("retain", False))
        self.ca_file = options.get("ca_file")
        if self.qos not in (0, 1, 2):
            raise OutputError("MQTT qos must be 0, 1 or 2")

    def describe(self) -> str:
        return f"mqtt{'s' if self.tls else ''}://{self.host}:{self.port}/{self.topic}"

    def _client(self, timeout: float) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"faceapp-{uuid.uuid4().hex[:12]}")
        client.connect_timeout = timeout
        if self.username:
            client.username_pw_set(self.username, self.password)
        if self.tls:
            client.tls_set(ca_certs=self.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        return client

    def _connected(self, timeout: float) -> mqtt.Client:
        """A client whose session the broker accepted (CONNACK success) within ``timeout``."""
        client = self._client(timeout)
        answer: dict[str, Any] = {}
        client.on_connect = lambda c, u, flags, code, props: answer.setdefault("code", code)
        try:
            client.connect(self.host, self.port, keepalive=max(int(timeout) * 2, 5))
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            raise OutputError(f"{self.describe()}: cannot connect: {exc}") from exc
        client.loop_start()
        deadline = time.monotonic() + timeout
        while "code" not in answer and time.monotonic() < deadline:
            time.sleep(0.01)
        code = answer.get("code")
        if code is None or code.is_failure:
            _close(client)
            raise OutputError(f"{self.describe()}: the broker refused the session: {code or 'no answer'}")
        return client

    def fire(self, pulse: Pulse, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        client = self._connected(timeout)
        try:
            info = client.publish(self.topic, render(self.payload, pulse), qos=self.qos, retain=self.retain)
            info.wait_for_publish(timeout)
            if not info.is_published():
                raise OutputError(f"{self.describe()}: the broker did not confirm the message in {timeout:g} s")
        except (RuntimeError, ValueError) as exc:
            raise OutputError(f"{self.describe()}: {exc}") from exc
        finally:
            _close(client)

    def check(self, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        """The broker accepts a session with these credentials (nothing is published)."""
        _close(self._connected(timeout))
        return f"{self.describe()}: broker accepted the session"


def _close(client: mqtt.Client) -> None:
    try:
        client.disconnect()
    finally:
        client.loop_stop()
