"""Door outputs: HTTP, MQTT, USB serial relays, and log-only.

:func:`parse_output` turns a door's output URL (plus its options) into an output object;
:class:`~faceapp.access.outputs.worker.OutputWorker` drives outputs off the recognition path.
"""

from __future__ import annotations

import logging
from typing import Any

from faceapp.access.outputs.base import DEFAULT_TIMEOUT_S, Output, OutputError, Pulse, render

log = logging.getLogger(__name__)

SCHEMES = ("http", "https", "mqtt", "mqtts", "serial", "log", "none")


class LogOutput:
    """Opens nothing: writes the pulse to the log (doors without a relay, trials)."""

    kind = "log"

    def describe(self) -> str:
        return "log only"

    def fire(self, pulse: Pulse, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        del timeout
        log.info("door %s: %s (%s, %d ms)", pulse.door, pulse.action, pulse.reason, pulse.pulse_ms)

    def check(self, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        del timeout
        return "log only: nothing to test"


def parse_output(url: str, options: dict[str, Any] | None = None) -> Output:
    """The output for a door's URL.

    Raises:
        OutputError: the URL's scheme is not one of :data:`SCHEMES` or the address is incomplete.
    """
    text = (url or "none").strip()
    scheme = text.split(":", 1)[0].lower() if ":" in text else text.lower()
    if scheme in ("none", "log", ""):
        return LogOutput()
    if scheme in ("http", "https"):
        from faceapp.access.outputs.http import HttpOutput

        return HttpOutput(text, options)
    if scheme in ("mqtt", "mqtts"):
        from faceapp.access.outputs.mqtt import MqttOutput

        return MqttOutput(text, options)
    if scheme == "serial":
        from faceapp.access.outputs.serial import SerialOutput

        return SerialOutput(text, options)
    raise OutputError(f"unknown door output {text!r}: use http(s)://..., mqtt://host[:port]/topic, "
                      "serial:///dev/ttyUSB0?baud=9600, or none")


__all__ = ["DEFAULT_TIMEOUT_S", "SCHEMES", "LogOutput", "Output", "OutputError", "Pulse", "parse_output", "render"]
