"""`cockpit serve --ssh`: each teammate whose key `cockpit spectators add` allowed gets the
read-only cockpit in their own terminal. A session is a pseudo-terminal the server makes, with
a spectator (`cockpit --spectate`, its own process and process group) on the far side; the
bytes are relayed both ways, a window resize is passed on (SIGWINCH to the spectator), ctrl-c
ends that session only. No shell, no command, no sftp, no forwarding: a session that asks
for anything but a terminal is told so and closed.

The server's host key is made once (`ssh_host_ed25519_key` beside the journal) and its
fingerprint printed, for the teammates' known_hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import termios
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from cockpit import spectators
from cockpit.executors.local import end_group
from cockpit.serve import sessions

HOST_KEY = "ssh_host_ed25519_key"
CTRL_C = b"\x03"
STOP_GRACE = 2.0
"""Seconds a departing session's spectator has to exit after SIGTERM, before SIGKILL."""
ONLY = (b"this server shows the read-only cockpit and nothing else: no commands, no sftp; "
        b"connect with a terminal (ssh -t)\r\n")


def host_key(folder: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The server's key (made now if it is not there yet: True), readable by the owner only."""
    path = folder / HOST_KEY
    if path.exists():
        return asyncssh.read_private_key(path), False
    key = asyncssh.generate_private_key("ssh-ed25519", comment="cockpit serve --ssh")
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
    path.with_name(HOST_KEY + ".pub").write_bytes(key.export_public_key())
    return key, True


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(cols, 1), 0, 0))


class Gatekeeper(asyncssh.SSHServer):
    """One per connection: public keys only, and only the spectators' (the file is read at
    each attempt, so a key added or removed counts at once)."""

    def __init__(self, keys: Path) -> None:
        self.keys = keys
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        try:
            allowed = spectators.read(self.keys)
        except Exception:  # an unreadable file allows nobody (`cockpit spectators list` says why)
            return False
        for spectator in allowed:
            if asyncssh.import_public_key(spectator.line).public_data == key.public_data:
                assert self.conn is not None
                self.conn.set_extra_info(spectator=spectator.name)
                return True
        return False


@dataclass
class Relay:
    """The sessions served, each a spectator process on a pseudo-terminal."""

    journal: Path
    command: list[str]
    say: Callable[[str], None] = print
    live: set[asyncio.subprocess.Process] = field(default_factory=set)

    async def session(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        name = str(process.get_extra_info("spectator") or "?")
        peer = process.get_extra_info("peername") or ("?", 0)
        where = f"{peer[0]}:{peer[1]}"
        if process.command is not None or process.subsystem is not None \
                or process.get_terminal_type() is None:
            asked = process.subsystem or process.command or "no terminal"
            self.say(sessions.record(self.journal, "refused", name=name, via="ssh", peer=where,
                                     asked=str(asked)[:200]))
            process.stderr.write(ONLY)
            process.exit(1)
            return
        cols, rows, _, _ = process.get_terminal_size()
        master, slave = os.openpty()
        set_size(slave, cols, rows)
        env = sessions.spectator_env(name, "ssh", {"TERM": process.get_terminal_type() or
                                                   "xterm-256color"})
        try:
            child = await asyncio.create_subprocess_exec(
                *self.command, stdin=slave, stdout=slave, stderr=slave, env=env,
                start_new_session=True, preexec_fn=_take_terminal)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.live.add(child)
        self.say(sessions.record(self.journal, "arrived", name=name, via="ssh", peer=where,
                                 pid=child.pid, size=[cols, rows]))
        try:
            await _pump(process, master, child)
        finally:
            await self.stop(child)
            self.live.discard(child)
            os.close(master)
            self.say(sessions.record(self.journal, "left", name=name, via="ssh", peer=where,
                                     pid=child.pid))
            with contextlib.suppress(OSError, asyncssh.Error):
                process.exit(0)

    async def stop(self, child: asyncio.subprocess.Process) -> None:
        """The spectator and anything it started, gone: nothing left behind."""
        await end_group(child, STOP_GRACE)

    async def close(self) -> None:
        await asyncio.gather(*(self.stop(c) for c in list(self.live)))


def _take_terminal() -> None:
    """In the child, a session leader by now: the pseudo-terminal becomes its controlling
    terminal, so a resize reaches it as SIGWINCH."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def _write_all(fd: int, data: bytes) -> None:
    """All of `data` to the terminal, which the reader made non-blocking (a paste into a busy
    spectator fills its buffer: wait, never drop keys)."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            await asyncio.sleep(0.01)


async def _pump(process: asyncssh.SSHServerProcess[bytes], master: int,
                child: asyncio.subprocess.Process) -> None:
    """Relay until the teammate leaves (EOF, ctrl-c) or the spectator exits."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(os.dup(master), "rb", 0))

    async def out() -> None:
        while data := await reader.read(65536):
            process.stdout.write(data)
            await process.stdout.drain()

    async def into() -> None:
        while True:
            try:
                data = await process.stdin.read(4096)
            except asyncssh.TerminalSizeChanged as change:
                set_size(master, change.width, change.height)
                continue
            if not data or CTRL_C in data:
                return
            await _write_all(master, data)

    tasks = [asyncio.create_task(t) for t in (out(), into(), child.wait())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except OSError:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        transport.close()


async def serve(journal: Path, command: list[str], host: str, port: int,
                say: Callable[[str], None] = print) -> tuple[asyncssh.SSHAcceptor, Relay]:
    """Listen; returns the acceptor (close it to stop) and the relay (close it too)."""
    key, made = host_key(journal.parent)
    keys = journal.parent / spectators.FILE
    relay = Relay(journal, command, say)
    acceptor = await asyncssh.create_server(
        lambda: Gatekeeper(keys), host, port, server_host_keys=[key],
        process_factory=relay.session, encoding=None, line_editor=False,
        agent_forwarding=False, x11_forwarding=False, allow_scp=False, sftp_factory=None,
        allow_pty=True)
    shown = f"[{host}]:{port}" if port != 22 else host
    say(f"SSH: {host}:{port}, host key {key.get_fingerprint('sha256')}"
        + (" (made now)" if made else ""))
    say(f"  known_hosts line: {shown} {' '.join(key.export_public_key().decode().split()[:2])}")
    if not spectators.read(keys):
        say("  nobody may watch yet: `cockpit spectators add KEYFILE --name NAME`")
    return acceptor, relay
