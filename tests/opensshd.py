"""OpenSSH's sshd as a real builder: on loopback, or inside a network namespace of our own.

Needs root and Debian's openssh-server (and iproute2 for namespaces); `.ci/run` installs them.
Only loopback and addresses inside namespaces created here are ever contacted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"

needs_root_sshd = pytest.mark.skipif(
    os.geteuid() != 0 or not Path(SSHD).exists(),
    reason="needs root and openssh-server (apt-get install openssh-server; CI does)")
needs_netns = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None or not Path(SSHD).exists(),
    reason="needs root, iproute2 and openssh-server (CI installs them)")


@dataclass
class Sshd:
    host: str
    port: int
    identity: Path
    known_hosts: Path
    root: Path
    pid: int = 0
    """The listening sshd's."""

    def cut(self) -> None:
        """Cut every connection as a dead link would: kill sshd's per-connection processes.
        The commands they started live on in sessions of their own (setsid)."""
        parents: dict[int, tuple[int, str]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                head, _, rest = stat.read_text().rpartition(") ")
            except OSError:
                continue
            parents[int(stat.parent.name)] = (int(rest.split()[1]), head.partition("(")[2])
        mine = {self.pid}
        while grown := {pid for pid, (ppid, _) in parents.items()
                        if ppid in mine and pid not in mine}:
            mine |= grown
        for pid in mine - {self.pid}:
            if parents[pid][1].startswith("sshd"):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def builder(self, name: str, **extra: object) -> dict[str, object]:
        return {"name": name, "kind": "ssh", "host": self.host, "port": self.port,
                "user": "root", "identity": str(self.identity),
                "known_hosts": str(self.known_hosts), "workdir": str(self.root / name),
                **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@contextmanager
def opensshd(root: Path, *, host: str = "127.0.0.1", netns: str | None = None) -> Iterator[Sshd]:
    root.mkdir(parents=True, exist_ok=True)
    Path("/run/sshd").mkdir(exist_ok=True)
    _keygen(root / "host_key")
    _keygen(root / "client_key")
    shutil.copy(root / "client_key.pub", root / "authorized_keys")
    port = free_port()
    (root / "sshd_config").write_text(
        f"ListenAddress {host}\nPort {port}\nHostKey {root / 'host_key'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin yes\n"
        f"PidFile {root / 'sshd.pid'}\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
        "ClientAliveInterval 2\nClientAliveCountMax 2\n")
    prefix = ["ip", "netns", "exec", netns] if netns else []
    proc = subprocess.Popen([*prefix, SSHD, "-D", "-E", str(root / "sshd.log"), "-f",
                             str(root / "sshd_config")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    key = (root / "host_key.pub").read_text().split()
    (root / "known_hosts").write_text(f"[{host}]:{port} {key[0]} {key[1]}\n")
    try:
        deadline = time.monotonic() + 10
        while True:
            probe = subprocess.run([*prefix, "bash", "-c", f"exec 3<>/dev/tcp/{host}/{port}"],
                                   capture_output=True)
            if probe.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sshd did not start: " + (root / "sshd.log").read_text())
            time.sleep(0.1)
        yield Sshd(host, port, root / "client_key", root / "known_hosts", root, proc.pid)
    finally:
        proc.terminate()
        proc.wait(5)
        # sessions outlive the listener (a cut link leaves its build running): end them too
        subprocess.run(["pkill", "-f", str(root.parent)], check=False, capture_output=True)


@contextmanager
def namespace(name: str, host_addr: str, ns_addr: str) -> Iterator[str]:
    """A network namespace joined to this host by a veth pair; yields the host-side device."""
    host_dev, ns_dev = f"{name[:8]}-h", f"{name[:8]}-n"

    def ip(*args: str, check: bool = True) -> None:
        subprocess.run(["ip", *args], check=check, capture_output=True)

    ip("netns", "del", name, check=False)
    ip("netns", "add", name)
    try:
        ip("link", "add", host_dev, "type", "veth", "peer", "name", ns_dev)
        ip("link", "set", ns_dev, "netns", name)
        ip("addr", "add", f"{host_addr}/30", "dev", host_dev)
        ip("link", "set", host_dev, "up")
        ip("netns", "exec", name, "ip", "addr", "add", f"{ns_addr}/30", "dev", ns_dev)
        ip("netns", "exec", name, "ip", "link", "set", ns_dev, "up")
        ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        yield host_dev
    finally:
        ip("link", "del", host_dev, check=False)
        ip("netns", "del", name, check=False)
