"""`cockpit serve --ssh` against OpenSSH's own client: a teammate whose key was added sees the
read-only cockpit live in their terminal (tmux is the terminal: what it shows is what they
see), a resize is followed, ctrl-c ends only that session; a command, sftp, a forwarded port
and an unknown key are refused."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.journal.events import RunStarted
from cockpit.journal.store import Journal
from cockpit.serve.sessions import sessions_path
from tests.helpers import gives_way

pytestmark = pytest.mark.skipif(
    not all(shutil.which(p) for p in ("ssh", "ssh-keygen", "sftp", "tmux")),
    reason="needs OpenSSH's client and tmux (.ci/run installs them)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: Callable[[], object], message: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


class Server:
    def __init__(self, config: Config, tmp: Path) -> None:
        self.config, self.port = config, free_port()
        self.out = tmp / "serve.out"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "serve", "--ssh", "--port", str(self.port),
             "--config", str(config.source)], stdout=self.out.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: "known_hosts line" in self.out.read_text(), "the server never started")
        line = next(x for x in self.out.read_text().splitlines() if "known_hosts line" in x)
        self.known_hosts = tmp / "known_hosts"
        self.known_hosts.write_text(line.split("known_hosts line: ", 1)[1] + "\n")

    def ssh(self, key: Path, *args: str) -> list[str]:
        return ["ssh", "-i", str(key), "-p", str(self.port), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "IdentitiesOnly=yes", *args]

    def sessions(self) -> list[dict[str, object]]:
        path = sessions_path(self.config.journal_path)
        return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def keypair(tmp: Path, name: str) -> Path:
    key = tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True)
    return key


@pytest.fixture
def served(config: Config, journal: Journal, tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """A controller holding the journal, a server, and alice's key allowed."""
    alice = keypair(tmp_path, "alice")
    subprocess.run([sys.executable, "-m", "cockpit", "spectators", "add", f"{alice}.pub",
                    "--name", "alice", "--config", str(config.source)], check=True,
                   capture_output=True)
    server = Server(config, tmp_path)
    try:
        yield server, alice
    finally:
        os.killpg(server.proc.pid, signal.SIGTERM)
        server.proc.wait(timeout=20)


class Tmux:
    """A teammate's terminal."""

    def __init__(self, name: str, command: list[str], cols: int, rows: int) -> None:
        self.name = name
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(cols), "-y",
                        str(rows), subprocess.list2cmdline(command) + "; sleep 60"], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_teammate_watches_live_over_ssh_resizes_and_leaves_with_ctrl_c(
        served: tuple[Server, Path], journal: Journal) -> None:
    server, alice = served
    term = Tmux(f"alice-{server.port}", server.ssh(alice, "-tt", "alice@127.0.0.1"), 120, 30)
    try:
        wait_for(lambda: "SPECTATOR" in term.screen(), "the cockpit was never drawn")
        first = term.screen().splitlines()
        assert max(len(line) for line in first) > 100, "\n".join(first)  # for 120 columns
        journal.record(RunStarted(playbook="hotfix", operator="rm@test"), run_id="live1")
        wait_for(lambda: "running: Hotfix Deployment" in term.screen(),
                 "the controller's run never reached the spectator:\n" + term.screen())

        subprocess.run(["tmux", "resize-window", "-t", term.name, "-x", "80", "-y", "24"],
                       check=True)
        wait_for(lambda: any(len(x.rstrip()) == 80 and x.rstrip().endswith("╮")
                             for x in term.screen().splitlines()),  # drawn again, to fit
                 "the resize was not followed:\n" + term.screen())
        arrived = [s for s in server.sessions() if s["event"] == "arrived"]
        assert [(s["name"], s["via"]) for s in arrived] == [("alice", "ssh")]
        pid = int(str(arrived[0]["pid"]))
        assert alive(pid)
        assert gives_way(pid)  # the controller's CPU comes first
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"MALLOC_ARENA_MAX=2" in environ  # few malloc arenas: a viewer stays small

        term.keys("b")  # keys move the view: builds mode
        wait_for(lambda: "build matrix" in term.screen(), "keys did not reach the spectator")
        term.keys("C-c")
        wait_for(lambda: any(s["event"] == "left" for s in server.sessions()),
                 "ctrl-c did not end the session")
        wait_for(lambda: not alive(pid), "the session's spectator was left behind")
        assert server.proc.poll() is None  # the server goes on
        assert journal.writable  # and the controller holds its journal as before
    finally:
        term.close()


def test_only_the_cockpit_is_served(served: tuple[Server, Path], tmp_path: Path) -> None:
    server, alice = served
    command = subprocess.run(server.ssh(alice, "alice@127.0.0.1", "id"), capture_output=True,
                             text=True, timeout=30)
    assert command.returncode != 0 and "uid=" not in command.stdout
    assert "read-only cockpit and nothing else" in command.stderr

    sftp = subprocess.run(["sftp", "-b", "-", "-i", str(alice), "-P", str(server.port), "-o",
                           "BatchMode=yes", "-o", f"UserKnownHostsFile={server.known_hosts}",
                           "alice@127.0.0.1"], input="ls\n", capture_output=True, text=True,
                          timeout=30)
    assert sftp.returncode != 0 and "subsystem request failed" in sftp.stderr

    target = socket.socket()  # something a forwarded port would reach
    target.bind(("127.0.0.1", 0))
    target.listen()
    local = free_port()
    forward = subprocess.Popen(server.ssh(alice, "-N", "-L", f"{local}:127.0.0.1:"
                                          f"{target.getsockname()[1]}", "alice@127.0.0.1"),
                               stderr=subprocess.PIPE, text=True)
    try:
        def refused() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", local), timeout=2) as s:
                    s.settimeout(5)
                    return s.recv(1) == b""  # the tunnel closed at once: the server said no
            except OSError:
                return False

        wait_for(refused, "the forwarded port was not refused")
        target.settimeout(1)
        with pytest.raises(TimeoutError):
            target.accept()  # nothing came through
    finally:
        forward.terminate()
        stderr = forward.communicate(timeout=10)[1]
        target.close()
    assert "administratively prohibited" in stderr or "open failed" in stderr, stderr

    stranger = keypair(tmp_path, "eve")
    denied = subprocess.run(server.ssh(stranger, "-tt", "eve@127.0.0.1"), capture_output=True,
                            text=True, timeout=30)
    assert denied.returncode == 255 and "Permission denied (publickey)" in denied.stderr
    assert [s["event"] for s in server.sessions()] == ["refused"]  # the command, said as such
    assert server.sessions()[0]["asked"] == "id"


def test_the_host_key_is_made_once(config: Config, journal: Journal, tmp_path: Path) -> None:
    first = Server(config, tmp_path)
    os.killpg(first.proc.pid, signal.SIGTERM)
    first.proc.wait(timeout=20)
    assert "(made now)" in first.out.read_text()
    key = config.journal_path.parent / "ssh_host_ed25519_key"
    assert key.stat().st_mode & 0o077 == 0  # the owner's alone
    (tmp_path / "again").mkdir()
    again = Server(config, tmp_path / "again")
    try:
        assert "(made now)" not in again.out.read_text()
        assert again.known_hosts.read_text().split()[1:] == \
            first.known_hosts.read_text().split()[1:]  # the same key, on another port
    finally:
        os.killpg(again.proc.pid, signal.SIGTERM)
        again.proc.wait(timeout=20)
