"""Door outputs against real endpoints on loopback: an HTTP server, a mosquitto broker, a pty pair.

No protocol is mocked. A dead endpoint must end in a door fault without blocking the caller.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from faceapp.access.model import Door
from faceapp.access.outputs import OutputError, Pulse, parse_output
from faceapp.access.outputs.worker import OutputWorker
from tests.conftest import unavailable

from .conftest import Recorder, free_port

MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def _certificate(folder: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 (openssl), or None when openssl is missing."""
    if shutil.which("openssl") is None:
        return None
    cert, key = folder / "broker.pem", folder / "broker.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture()
def broker(tmp_path: Path) -> Iterator[dict]:
    """mosquitto on free loopback ports (plain, and TLS when openssl can make a certificate) with one
    user ``door`` / ``secret`` (anonymous refused)."""
    if MOSQUITTO is None:
        unavailable("mosquitto is not installed (apt-get install mosquitto; .ci/run installs it)")
    port, tls_port = free_port(), free_port()
    passwords = tmp_path / "passwd"
    tool = Path(MOSQUITTO).with_name("mosquitto_passwd")
    subprocess.run([str(tool) if tool.exists() else "mosquitto_passwd", "-c", "-b", str(passwords), "door",
                    "secret"], check=True, capture_output=True)
    passwords.chmod(0o600)
    certificate = _certificate(tmp_path)
    # As root mosquitto drops to the user named here; it must be able to read the password file.
    lines = [f"user {getpass.getuser()}", "persistence false", "allow_anonymous false",
             f"password_file {passwords}", f"listener {port} 127.0.0.1"]
    if certificate:
        lines += [f"listener {tls_port} 127.0.0.1", f"certfile {certificate[0]}", f"keyfile {certificate[1]}"]
    config = tmp_path / "mosquitto.conf"
    config.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port)
        if certificate:
            wait_port(tls_port)
        yield {"port": port, "tls_port": tls_port if certificate else None,
               "ca": certificate[0] if certificate else None}
    finally:
        process.terminate()
        process.wait(10)


def subscribe(port: int, topic: str) -> tuple[mqtt.Client, list[bytes]]:
    received: list[bytes] = []
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.username_pw_set("door", "secret")
    client.on_message = lambda c, u, message: received.append(message.payload)
    client.on_subscribe = lambda *a: ready.set()
    client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert ready.wait(10)
    return client, received


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


PULSE = Pulse(door="front", pulse_ms=100, person="Alice", person_id=7)


def test_http_templates_reach_the_server(http_server: tuple[str, type[Recorder]]) -> None:
    url, handler = http_server
    output = parse_output(f"{url}/relay/0?turn=on&timer=${{pulse_s}}", {
        "method": "PUT", "headers": {"X-Door": "${door}", "Content-Type": "application/json"},
        "body": '{"who": "${person}", "ms": ${pulse_ms}}'})
    output.fire(PULSE)
    (request,) = handler.requests
    assert request["method"] == "PUT" and request["path"] == "/relay/0?turn=on&timer=0.1"
    assert request["headers"]["X-Door"] == "front" and json.loads(request["body"]) == {"who": "Alice", "ms": 100}
    assert "reachable" in output.check()


def test_http_error_status_is_a_failure(http_server: tuple[str, type[Recorder]]) -> None:
    url, handler = http_server
    handler.status = 503
    with pytest.raises(OutputError, match="503"):
        parse_output(url).fire(PULSE)


def test_mqtt_publishes_the_payload_with_credentials(broker: dict) -> None:
    port = broker["port"]
    client, received = subscribe(port, "site/doors/front")
    try:
        output = parse_output(f"mqtt://door:secret@127.0.0.1:{port}/site/doors/front")
        assert "accepted" in output.check()
        output.fire(PULSE)
        assert wait_for(lambda: received)
        assert json.loads(received[0]) == {"door": "front", "action": "open", "pulse_ms": 100, "person": "Alice"}
        custom = parse_output(f"mqtt://127.0.0.1:{port}/site/doors/front",
                              {"username": "door", "password": "secret", "payload": "ON ${door}", "qos": 0})
        custom.fire(PULSE)
        assert wait_for(lambda: len(received) == 2) and received[1] == b"ON front"
    finally:
        client.loop_stop()
        client.disconnect()


def test_mqtt_wrong_password_is_refused(broker: dict) -> None:
    output = parse_output(f"mqtt://door:wrong@127.0.0.1:{broker['port']}/site/doors/front")
    with pytest.raises(OutputError, match="refused"):
        output.fire(PULSE, timeout=3)


def test_mqtt_over_tls_verifies_the_broker(broker: dict) -> None:
    if broker["tls_port"] is None:
        unavailable("openssl is not installed: no certificate for the TLS listener")
    client, received = subscribe(broker["port"], "site/doors/front")
    try:
        url = f"mqtts://door:secret@127.0.0.1:{broker['tls_port']}/site/doors/front"
        parse_output(url, {"ca_file": str(broker["ca"]), "payload": "open ${door}"}).fire(PULSE)
        assert wait_for(lambda: received) and received == [b"open front"]
        with pytest.raises(OutputError):  # the system's trust store does not know this broker
            parse_output(url).fire(PULSE, timeout=3)
    finally:
        client.loop_stop()
        client.disconnect()


def test_serial_relay_gets_on_then_off_bytes() -> None:
    master, slave = os.openpty()
    tty.setraw(master)
    try:
        output = parse_output(f"serial://{os.ttyname(slave)}?baud=9600", {"on": "A0 01 01 A2"})
        assert "opens" in output.check()
        started = time.monotonic()
        output.fire(PULSE)
        assert time.monotonic() - started >= 0.1  # the pulse length
        data = b""
        while len(data) < 8:
            data += os.read(master, 64)
        assert data == bytes.fromhex("A00101A2A00100A1")
    finally:
        os.close(master)
        os.close(slave)


def test_bad_output_urls_say_what_is_wrong() -> None:
    for url in ("ftp://x", "mqtt://host", "serial://", "http://"):
        with pytest.raises(OutputError):
            parse_output(url)
    with pytest.raises(OutputError, match="hex"):
        parse_output("serial:///dev/ttyUSB0", {"on": "zz"})


def test_worker_delivers_off_the_caller_thread(http_server: tuple[str, type[Recorder]]) -> None:
    url, handler = http_server
    handler.delay = 0.5  # a slow relay
    worker = OutputWorker(timeout=2, retries=0).start()
    door = Door(1, "front", output=f"{url}/open")
    started = time.monotonic()
    assert worker.submit(door, PULSE)
    assert time.monotonic() - started < 0.1  # the caller does not wait for the relay
    assert worker.wait_idle(10)
    assert len(handler.requests) == 1 and worker.stats.sent == 1
    worker.stop()


def test_dead_endpoints_end_in_door_faults_after_bounded_retries(tmp_path: Path) -> None:
    dead = free_port()  # nothing listens there
    faults: list[tuple[str, str]] = []
    worker = OutputWorker(lambda door, message: faults.append((door.name, message)), timeout=0.5, retries=2,
                          backoff=0.05).start()
    doors = [Door(1, "http", output=f"http://127.0.0.1:{dead}/open"),
             Door(2, "mqtt", output=f"mqtt://127.0.0.1:{dead}/door"),
             Door(3, "serial", output=f"serial://{tmp_path}/no-such-tty")]
    started = time.monotonic()
    for door in doors:
        assert worker.submit(door, PULSE)
    assert time.monotonic() - started < 0.1
    assert worker.wait_idle(30)
    assert [name for name, _ in faults] == ["http", "mqtt", "serial"]
    assert all("after 3 attempts" in message for _, message in faults)
    assert worker.stats.attempts == 9 and worker.stats.sent == 0
    worker.stop()


def _read(master: int, n: int, timeout: float = 5.0) -> bytes:
    data, deadline = b"", time.monotonic() + timeout
    while len(data) < n and time.monotonic() < deadline:
        data += os.read(master, 64)
    return data


def test_emergency_unlock_holds_the_serial_relay_on_until_normal(store, paths: Path) -> None:
    from faceapp.access.model import DoorState
    from faceapp.access.service import AccessService

    master, slave = os.openpty()
    tty.setraw(master)
    service = AccessService(store.database, paths.data, store.zone)
    try:
        store.add_door("exit", output=f"serial://{os.ttyname(slave)}?baud=9600")
        service.set_state("exit", DoorState.UNLOCKED, "admin", "fire alarm")
        assert service.worker.wait_idle(10) and _read(master, 4) == bytes.fromhex("A00101A2")  # on, no off
        service.set_state("exit", DoorState.LOCKDOWN, "admin", "all clear, locked")
        assert service.worker.wait_idle(10) and _read(master, 4) == bytes.fromhex("A00100A1")  # off
        service.set_state("exit", DoorState.NORMAL, "admin", "")
        assert service.worker.wait_idle(10) and service.worker.stats.sent == 2  # lockdown -> normal: no pulse
    finally:
        service.close()
        os.close(master)
        os.close(slave)
