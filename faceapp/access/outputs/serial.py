"""USB serial relay boards (pyserial): the "on" bytes, the pulse, then the "off" bytes.

An emergency unlock (action ``unlock``) sends only the "on" bytes, holding the door open until the
``lock`` action sends the "off" bytes.

URL: ``serial:///dev/ttyUSB0?baud=9600`` (``serial://COM3?baud=9600`` on Windows). Options (or
URL query): ``on`` and ``off`` as hex (default the common LCUS-1 board: ``A00101A2`` / ``A00100A1``).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import serial

from faceapp.access.outputs.base import DEFAULT_TIMEOUT_S, OutputError, Pulse, option

LCUS_ON, LCUS_OFF = "A00101A2", "A00100A1"


def _hex(text: str, name: str) -> bytes:
    try:
        return bytes.fromhex(str(text).replace(" ", "").replace("0x", ""))
    except ValueError:
        raise OutputError(f"the serial {name} sequence {text!r} is not hex bytes like A00101A2") from None


class SerialOutput:
    kind = "serial"

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        options = {**query, **(options or {})}
        self.port = (parts.netloc + parts.path) if parts.scheme == "serial" else ""
        if not self.port:
            raise OutputError(f"{url!r} is not a serial port like serial:///dev/ttyUSB0?baud=9600")
        try:
            self.baud = int(option(options, "baud", 9600))
        except ValueError:
            raise OutputError("the serial baud rate must be a number, e.g. 9600") from None
        self.on = _hex(option(options, "on", LCUS_ON), "on")
        self.off = _hex(option(options, "off", LCUS_OFF), "off")

    def describe(self) -> str:
        return f"serial {self.port} at {self.baud} baud"

    def _open(self, timeout: float) -> serial.Serial:
        try:
            return serial.Serial(self.port, self.baud, timeout=timeout, write_timeout=timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise OutputError(f"cannot open {self.describe()}: {exc}") from exc

    def fire(self, pulse: Pulse, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        port = self._open(timeout)
        try:
            if pulse.action != "lock":
                port.write(self.on)
                port.flush()
            if pulse.action == "open":
                time.sleep(pulse.pulse_ms / 1000)
            if pulse.action != "unlock":  # an emergency unlock leaves the relay on until "lock"
                port.write(self.off)
                port.flush()
        except (serial.SerialException, OSError) as exc:
            raise OutputError(f"{self.describe()}: {exc}") from exc
        finally:
            port.close()

    def check(self, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        """The port opens (nothing is written)."""
        self._open(timeout).close()
        return f"{self.describe()} opens"
