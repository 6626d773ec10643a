"""A real SSH server in-process (asyncssh) that runs commands as real local subprocesses.

For fast tests without root: it speaks the real protocol over a real loopback socket, checks
the client's key, and can drop connections abruptly (`drop_all`) to simulate a dead builder.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh


@dataclass
class SshFixture:
    port: int
    home: Path
    identity: Path
    known_hosts: Path
    server: asyncssh.SSHAcceptor
    connections: list[asyncssh.SSHServerConnection] = field(default_factory=list)
    handlers: set[asyncio.Task[None]] = field(default_factory=set)
    """Sessions being served: close() waits for them, so no command outlives the loop."""

    def builder(self, name: str = "remote", **extra: object) -> dict[str, object]:
        return {"name": name, "kind": "ssh", "host": "127.0.0.1", "port": self.port,
                "user": "builder", "identity": str(self.identity),
                "known_hosts": str(self.known_hosts), "workdir": str(self.home / name), **extra}

    def drop_all(self) -> None:
        for conn in self.connections:
            conn.abort()

    async def close(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        for conn in self.connections:
            conn.abort()
        if self.handlers:
            await asyncio.wait(self.handlers, timeout=10)


def write_keys(root: Path) -> tuple[asyncssh.SSHKey, Path, Path]:
    """Host key, client key file, and the client's authorized_keys file."""
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    identity = root / "id_ed25519"
    client_key.write_private_key(str(identity))
    identity.chmod(0o600)
    authorized = root / "authorized_keys"
    client_key.write_public_key(str(authorized))
    return host_key, identity, authorized


async def start_ssh_server(root: Path) -> SshFixture:
    root.mkdir(parents=True, exist_ok=True)
    home = root / "home"
    home.mkdir(exist_ok=True)
    host_key, identity, authorized = write_keys(root)
    fixture_conns: list[asyncssh.SSHServerConnection] = []

    class Server(asyncssh.SSHServer):
        def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
            fixture_conns.append(conn)

    handlers: set[asyncio.Task[None]] = set()

    async def handle(process: asyncssh.SSHServerProcess[bytes]) -> None:
        task = asyncio.current_task()
        if task is not None:
            handlers.add(task)
            task.add_done_callback(handlers.discard)
        banner = home / ".banner"  # what a chatty login shell prints before every command
        if banner.exists():
            process.stdout.write(banner.read_bytes())
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", process.command or "true", cwd=home,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        assert proc.stdin and proc.stdout and proc.stderr

        async def feed() -> None:
            assert proc.stdin
            try:
                while chunk := await process.stdin.read(65536):
                    proc.stdin.write(chunk)
                    await proc.stdin.drain()
            except (asyncssh.Error, ConnectionError, BrokenPipeError):
                pass
            proc.stdin.close()

        async def drain(reader: asyncio.StreamReader, writer: asyncssh.SSHWriter[bytes]) -> None:
            while chunk := await reader.read(65536):
                writer.write(chunk)

        feeder = asyncio.ensure_future(feed())
        try:
            await asyncio.gather(drain(proc.stdout, process.stdout),
                                 drain(proc.stderr, process.stderr))
            code = await proc.wait()
            process.exit(code)
        except (asyncssh.Error, ConnectionError):
            pass
        finally:
            feeder.cancel()
            if proc.returncode is None:  # the client went away: end and reap the command
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()

    server = await asyncssh.create_server(
        Server, "127.0.0.1", 0, server_host_keys=[host_key],
        authorized_client_keys=str(authorized), process_factory=handle, encoding=None)
    port = server.sockets[0].getsockname()[1]
    known_hosts = root / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} "
                           + host_key.export_public_key().decode().strip() + "\n")
    fixture = SshFixture(port, home, identity, known_hosts, server, fixture_conns, handlers)
    return fixture
