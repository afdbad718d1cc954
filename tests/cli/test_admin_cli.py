"""The CLI asks an administrator's password once one exists; the actor lands in the audit log."""

import io
import json
import sys
from pathlib import Path

import pytest

from faceapp.cli import auth as cli_auth
from faceapp.cli import main
from faceapp.config import Paths
from faceapp.store.db import Database

PASSWORD = "correct horse battery"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def photo(lfw_dir: Path, name: str, number: int) -> str:
    return str(lfw_dir / "images" / name / f"{name}_{number:04d}.jpg")


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli_auth.PASSWORD_ENV, raising=False)
    monkeypatch.delenv(cli_auth.USER_ENV, raising=False)
    monkeypatch.setitem(cli_auth._state, "said_no_admin", False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: nobody to prompt


def _audit(basedir: Path, action: str) -> list[dict]:
    with Database.open(Paths.resolve(basedir)) as database:
        return database.query("SELECT actor, details FROM audit WHERE action = ? ORDER BY id", (action,))


def test_without_an_administrator_commands_work_and_say_so_once(capsys, basedir: Path, lfw_dir: Path) -> None:
    b = ("--basedir", str(basedir))
    code, out, err = run(capsys, "enroll", "--name", "Abel Pacheco", "--employee-no", "E1",
                         photo(lfw_dir, "Abel_Pacheco", 1), *b)
    assert code == 0 and "1 enrolled" in out
    assert err.count("no administrator is set up") == 1
    code, _, err = run(capsys, "gallery", "remove", "E1", "--yes", *b)
    assert code == 0 and "no administrator" not in err  # said once
    assert [r["actor"] for r in _audit(basedir, "person.delete")] == ["cli"]


def test_with_an_administrator_changes_and_exports_need_the_password(capsys, basedir: Path, lfw_dir: Path,
                                                                     tmp_path: Path, monkeypatch) -> None:
    b = ("--basedir", str(basedir))
    code, _, _ = run(capsys, "enroll", "--name", "Abel Pacheco", "--employee-no", "E1",
                     photo(lfw_dir, "Abel_Pacheco", 1), *b)
    assert code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code, out, _ = run(capsys, "admin", "create", "boss", *b)
    assert code == 0 and "boss (admin) created" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))

    refused = [("gallery", "remove", "E1", "--yes"), ("gallery", "export", str(tmp_path / "out")),
               ("enroll", "--name", "Abel Pacheco", "--employee-no", "E1", photo(lfw_dir, "Abel_Pacheco", 2)),
               ("gallery", "import", str(lfw_dir / "images")),
               ("report", "--from", "2026-01-01", "--to", "2026-01-02", "--out", str(tmp_path / "r.csv")),
               ("models", "activate", "scrfd_500m"),
               ("train", "finetune", "--from-gallery"),
               ("eval", "calibrate"),
               ("admin", "create", "intruder")]
    for argv in refused:
        code, _, err = run(capsys, *argv, *b)
        assert code == 2 and "password is needed" in err and cli_auth.PASSWORD_ENV in err, argv
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.csv").exists()
    _, out, _ = run(capsys, "gallery", "list", "--json", *b)  # reading needs no password
    assert [json.loads(line)["templates"] for line in out.splitlines()] == [1]

    monkeypatch.setenv(cli_auth.PASSWORD_ENV, "wrong password")
    for _ in range(4):
        code, _, err = run(capsys, "gallery", "remove", "E1", "--yes", *b)
        assert code == 2 and "wrong user name or password" in err
    code, _, err = run(capsys, "gallery", "remove", "E1", "--yes", *b)
    assert code == 2 and "too many wrong passwords" in err  # the GUI's throttling, stored in the database

    with Database.open(Paths.resolve(basedir)) as database:  # the wait is over
        database.conn.execute("UPDATE users SET locked_until = NULL")
        database.conn.commit()
    monkeypatch.setenv(cli_auth.PASSWORD_ENV, PASSWORD)
    code, out, err = run(capsys, "gallery", "remove", "E1", "--yes", *b)
    assert code == 0 and "deleted" in out
    assert [r["actor"] for r in _audit(basedir, "person.delete")] == ["boss"]
    assert [r["actor"] for r in _audit(basedir, "auth.login")] == ["boss"]


def test_admin_passwd_reads_the_new_password_from_stdin(capsys, basedir: Path, monkeypatch) -> None:
    b = ("--basedir", str(basedir))
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(capsys, "admin", "create", "boss", *b)[0] == 0
    monkeypatch.setenv(cli_auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a brand new password\n"))
    code, out, _ = run(capsys, "admin", "passwd", "boss", *b)
    assert code == 0 and "password of boss changed" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "admin", "passwd", "boss", *b)  # the old password no longer works
    assert code == 2 and "wrong user name or password" in err
    monkeypatch.setenv(cli_auth.PASSWORD_ENV, "a brand new password")
    monkeypatch.setattr(sys, "stdin", io.StringIO("operator pass\n"))
    code, out, _ = run(capsys, "admin", "create", "desk1", "--role", "operator", *b)
    assert code == 0
    _, out, _ = run(capsys, "admin", "list", "--json", *b)
    assert [(u["user"], u["role"]) for u in map(json.loads, out.splitlines())] == [("boss", "admin"),
                                                                                    ("desk1", "operator")]
    assert [r["actor"] for r in _audit(basedir, "user.add")] == ["cli", "boss"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_admin_create_reads_the_password_from_the_terminal(basedir: Path) -> None:
    import os
    import pty
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: faceapp on a terminal
        os.execv(sys.executable, [sys.executable, "-m", "faceapp.cli", "admin", "create", "boss",
                                  "--basedir", str(basedir)])
    import select
    import signal
    import termios

    output = b""
    deadline = time.monotonic() + 120

    def read_some() -> bytes:
        """What the terminal shows next; b"" when the child has closed it or time is up (never blocks)."""
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return b""
        try:
            return os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            return b""

    try:
        for answer in (PASSWORD, PASSWORD):
            # Answer once the prompt shows and echo is off (getpass flushes input typed before that).
            while time.monotonic() < deadline and not (
                    b"assword" in output.rsplit(b"\n", 1)[-1] and not termios.tcgetattr(fd)[3] & termios.ECHO):
                output += read_some()
            os.write(fd, answer.encode() + b"\n")
            output += b"\n"
        while time.monotonic() < deadline and (chunk := read_some()):
            output += chunk
    finally:
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert b"New password for boss" in output and b"Repeat" in output and PASSWORD.encode() not in output
    assert b"boss (admin) created" in output
    assert [r["actor"] for r in _audit(basedir, "user.add")] == ["cli"]
