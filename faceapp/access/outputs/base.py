"""What every door output shares: the pulse context, templates, errors."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from faceapp.errors import FaceAppError

DEFAULT_TIMEOUT_S = 3.0


class OutputError(FaceAppError):
    """A door output could not be driven (unreachable, refused, timed out)."""


@dataclass(frozen=True)
class Pulse:
    """One request to a door's output; its fields fill the output's templates (``${door}`` ...).

    ``action`` is ``open`` (a pulse of ``pulse_ms``), ``unlock`` (hold open: emergency unlock) or
    ``lock`` (end of the hold); HTTP and MQTT outputs pass it to their templates as ``${action}``.
    """

    door: str
    pulse_ms: int = 1000
    person: str = ""
    person_id: int | None = None
    reason: str = "granted"
    action: str = "open"
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def values(self) -> dict[str, str]:
        return {"door": self.door, "pulse_ms": str(self.pulse_ms), "pulse_s": f"{self.pulse_ms / 1000:g}",
                "person": self.person, "person_id": "" if self.person_id is None else str(self.person_id),
                "reason": self.reason, "action": self.action, "time": self.time.isoformat(timespec="seconds")}


def render(template: str, pulse: Pulse) -> str:
    """``template`` with ``${door}``, ``${person}``, ``${reason}``, ``${pulse_ms}``, ``${pulse_s}``,
    ``${action}``, ``${time}``, ``${person_id}`` filled in (unknown placeholders stay as written)."""
    return string.Template(template).safe_substitute(pulse.values())


class Output(Protocol):
    """A door output. ``fire`` opens the door once (raising :class:`OutputError` when it fails);
    ``check`` tests that the device is reachable without opening it and says what it found."""

    kind: str

    def describe(self) -> str: ...

    def fire(self, pulse: Pulse, timeout: float = DEFAULT_TIMEOUT_S) -> None: ...

    def check(self, timeout: float = DEFAULT_TIMEOUT_S) -> str: ...


def option(options: dict[str, Any], name: str, default: Any) -> Any:
    value = options.get(name)
    return default if value in (None, "") else value
