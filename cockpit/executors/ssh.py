"""Remote builders over SSH (asyncssh, imported lazily: it costs 100-190 ms).

Strict host-key checking always; `connect_timeout` and `keepalive_interval` always set, so a
dead link is noticed within seconds. Every remote command runs under `setsid` in its own
process group and reports its group id first (`groups.py`), so cancelling kills the whole group
over a second channel (closing the channel alone would leave cargo running on the builder),
and a later connection can stop what a lost one left (`sweep`).
asyncssh's exceptions are translated here into `BuilderError`s that say what to do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import shlex
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.config import BuilderConfig, Config
from cockpit.errors import CockpitError, Problem
from cockpit.executors.base import Workspace
from cockpit.executors.groups import (
    ProcessGroup,
    kill_command,
    remote_script,
    stop_leftover_command,
    take_group_mark,
)
from cockpit.executors.lines import CommandResult, Lines, LineSink, Tail, pump_lines

if TYPE_CHECKING:
    import asyncssh

KEEPALIVE_INTERVAL = 2.0
KEEPALIVE_COUNT = 3
CONNECT_TIMEOUT = 10.0


class BuilderError(CockpitError):
    """A builder could not be used: refused, unreachable, untrusted, or lost mid-build."""

    def __init__(self, builder: str, message: str, fix: str = "", *, lost: bool = False) -> None:
        super().__init__([Problem(message, field=f"builder {builder}", fix=fix or None)],
                         exit_code=1)
        self.builder = builder
        self.message = message
        self.fix = fix
        self.lost = lost
        """The connection dropped mid-build: its process group may live on (see `sweep`)."""

    def __str__(self) -> str:
        return f"{self.builder}: {self.message}" + (f" (fix: {self.fix})" if self.fix else "")


class SshBuilder:
    """One connection to one builder, reused for every command of a build."""

    def __init__(self, config: BuilderConfig, base: Path) -> None:
        self.config = config
        self.base = base
        self.name = config.name
        self._conn: asyncssh.SSHClientConnection | None = None
        self.home = ""
        self.on_group: Callable[[ProcessGroup, str], None] | None = None
        """Told (group, "running" | "ended") as remote process groups start and end, so the
        journal knows which ones a lost link left behind."""

    def _path(self, path: Path | None) -> str | None:
        if path is None:
            return None
        return str(path if path.is_absolute() else self.base / path)

    @property
    def workdir(self) -> str:
        """Absolute on the builder: a relative workdir is under the remote user's home (cargo
        would read a relative CARGO_TARGET_DIR against the source directory)."""
        path = self.config.workdir or f"cockpit-builds/{self.name}"
        return path if path.startswith("/") or not self.home else f"{self.home}/{path}"

    async def connect(self) -> None:
        import asyncssh

        c = self.config
        known_hosts = self._path(c.known_hosts)
        options: dict[str, Any] = {
            "port": c.port, "username": c.user, "known_hosts": known_hosts or (),
            "connect_timeout": CONNECT_TIMEOUT, "keepalive_interval": KEEPALIVE_INTERVAL,
            "keepalive_count_max": KEEPALIVE_COUNT, "agent_path": None,
        }
        if c.identity is not None:
            options["client_keys"] = [self._path(c.identity)]
        if known_hosts is None:
            options["known_hosts"] = str(Path.home() / ".ssh" / "known_hosts")
        where = f"{c.user + '@' if c.user else ''}{c.host}:{c.port}"
        if not Path(options["known_hosts"]).is_file():
            raise BuilderError(
                self.name, f"the known_hosts file {options['known_hosts']} does not exist",
                f"create it with the builder's key (ssh-keyscan -p {c.port} {c.host} > "
                f"{options['known_hosts']}, then compare the fingerprint with the builder's "
                "own: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), or fix known_hosts")
        try:
            self._conn = await asyncssh.connect(c.host, **options)
        except asyncssh.HostKeyNotVerifiable as exc:
            fingerprint = await self._fingerprint()
            if self._known_keys(options["known_hosts"]):
                raise BuilderError(
                    self.name, f"host key of {where} has CHANGED: it now offers "
                    f"{fingerprint or exc.reason}, not the key {options['known_hosts']} "
                    "holds for it. Someone may be intercepting the connection",
                    "ask the builder's admin whether its key was replaced; only if it was, "
                    f"drop the old one (ssh-keygen -R "
                    f"'{c.host if c.port == 22 else f'[{c.host}]:{c.port}'}' -f "
                    f"{options['known_hosts']}) and add the new one") from None
            raise BuilderError(
                self.name, f"host key of {where} is not trusted ({fingerprint or exc.reason})",
                f"if {fingerprint or 'that'} is the builder's key, add it: ssh-keyscan -p {c.port} "
                f"{c.host} >> {options['known_hosts']}") from None
        except asyncssh.PermissionDenied:
            raise BuilderError(self.name, f"{where} refused the client key "
                               f"{self._path(c.identity) or '(default keys)'}",
                               "add the key's .pub to the builder user's ~/.ssh/authorized_keys, "
                               "or fix identity in [[builders]]") from None
        except ConnectionRefusedError:
            raise BuilderError(self.name, f"nothing listens on {where} (connection refused)",
                               "start sshd on the builder or fix host/port") from None
        except TimeoutError:
            raise BuilderError(self.name, f"no answer from {where} within {CONNECT_TIMEOUT:g}s",
                               "check the builder is up and reachable") from None
        except (OSError, asyncssh.Error) as exc:
            raise BuilderError(self.name, f"cannot connect to {where}: {exc}",
                               "check host, port and network") from None
        home = await self._conn.run("pwd", check=False)
        self.home = str(home.stdout or "").strip()

    def _known_keys(self, known_hosts: str) -> int:
        """How many keys the known_hosts file holds for this builder (0: it is unknown)."""
        import asyncssh

        host = self.config.host or ""
        try:
            ipaddress.ip_address(host)
            addr = host  # asyncssh wants an address here, or nothing: never a name
        except ValueError:
            addr = ""
        try:
            match = asyncssh.read_known_hosts(known_hosts).match(host, addr, self.config.port)
        except (OSError, ValueError, asyncssh.Error):
            return 0
        return len(match[0]) + len(match[1])

    async def _fingerprint(self) -> str | None:
        import asyncssh

        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):  # wait_for may drop a cancel (3.11)
                key = await asyncssh.get_server_host_key(self.config.host, self.config.port)
        except (OSError, asyncssh.Error, TimeoutError):
            return None
        return key.get_fingerprint() if key is not None else None

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            await self._conn.wait_closed()
            self._conn = None

    @property
    def conn(self) -> asyncssh.SSHClientConnection:
        if self._conn is None:
            raise BuilderError(self.name, "not connected")
        return self._conn

    async def run(self, command: str, *, cwd: str | None = None,
                  env: Mapping[str, str] | None = None, sink: LineSink | None = None,
                  stdin: bytes | None = None, timeout: float | None = None) -> CommandResult:
        """Run `command` remotely in its own process group, streaming merged output."""
        import asyncssh

        job = uuid.uuid4().hex[:12]
        script = remote_script(command, cwd=cwd, env=env, job=job)
        tail = Tail()
        group: ProcessGroup | None = None
        try:
            proc = await self.conn.create_process(script, encoding=None)
        except (asyncssh.Error, OSError) as exc:
            raise self._lost(exc) from None

        async def pump() -> None:
            if stdin is not None:
                proc.stdin.write(stdin)
            proc.stdin.write_eof()
            await pump_lines(proc.stdout.read, tail, sink, intercept=take_group)

        def take_group(lines: Lines) -> Lines | None:
            nonlocal group
            if group is not None:
                return lines
            mark, rest = take_group_mark(lines)
            if mark is not None:
                group = dataclasses.replace(mark, job=job)
                self._group(group, "running")
            return rest

        try:
            async with asyncio.timeout(timeout):  # wait_for may drop a cancel that comes as
                await pump()                      # the command ends (3.11): the build went on
            completed = await proc.wait()
        except TimeoutError:
            await self._end_group(group)
            return CommandResult(None, timed_out=True, tail=tail.lines())
        except asyncio.CancelledError:
            await asyncio.shield(self._end_group(group))
            proc.close()
            raise
        except (asyncssh.Error, OSError) as exc:  # lost: the group may live on (see sweep)
            raise self._lost(exc) from None
        self._group(group, "ended")
        code = completed.exit_status
        return CommandResult(code if code is not None and code >= 0 else None, tail=tail.lines(),
                             error=None if code is not None and code >= 0 else
                             f"killed by signal {completed.exit_signal}")

    def _group(self, group: ProcessGroup | None, state: str) -> None:
        if group is not None and self.on_group is not None:
            self.on_group(group, state)

    async def _end_group(self, group: ProcessGroup | None) -> None:
        if group is not None and await self._ask(kill_command(group.pgid)) is not None:
            self._group(group, "ended")

    async def _ask(self, command: str) -> str | None:
        """Run a short command over a channel of its own; its output, or None when the
        builder could not be asked (the link may be gone: nothing to do then)."""
        if self._conn is None:
            return None
        import asyncssh

        try:
            async with asyncio.timeout(10):
                result = await self._conn.run(command, check=False)
        except (OSError, TimeoutError, asyncssh.Error):
            return None
        return str(result.stdout or "") if result.exit_status == 0 else None

    async def sweep(self, groups: list[ProcessGroup]) -> list[tuple[ProcessGroup, str]]:
        """Stop process groups an earlier, lost connection left running on this builder, each
        only if it is still the same group (same boot, same leader, or a member with its tag).
        Returns (group, "stopped" | "gone") for each group it could settle."""
        settled = []
        for group in groups:
            said = await self._ask(stop_leftover_command(group))
            if said is not None:
                settled.append((group, "stopped" if said.split()[:1] == ["stopped"] else "gone"))
        return settled

    def workspace(self, config: Config) -> Workspace:
        """Under the builder's workdir: a copy of the commit, the kept target dir, packages."""
        base = self.workdir
        return Workspace(f"{base}/src", f"{base}/target",
                         f"{base}/dist/{config.release.version}")

    async def write_file(self, path: str, data: bytes) -> None:
        result = await self.run(f"mkdir -p \"$(dirname {shlex.quote(path)})\" && "
                                f"cat > {shlex.quote(path)}", stdin=data)
        if result.exit_code != 0:
            raise BuilderError(self.name, f"cannot write {path} on the builder: "
                               + (result.error or " ".join(result.tail[-2:])))

    async def read_file(self, path: str) -> bytes:
        result = await self.conn.run(f"cat {shlex.quote(path)}", encoding=None, check=False)
        if result.exit_status != 0:
            err = result.stderr
            text = err.decode(errors="replace") if isinstance(err, bytes) else str(err or "")
            raise BuilderError(self.name, f"cannot read {path} on the builder: {text.strip()}")
        out = result.stdout
        return out if isinstance(out, bytes) else str(out).encode()

    def _lost(self, exc: BaseException) -> BuilderError:
        return BuilderError(self.name, f"builder lost: {exc or type(exc).__name__}",
                            "check the builder and the network, then retry the target", lost=True)
