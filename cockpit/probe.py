"""`cockpit check`'s builder probe: can each builder build each of its targets right now?

Per builder: reachable, host key trusted, cargo and rustc versions under the builder's env,
each target's std present (a tiny metadata-only compile, no linker needed), free disk in the
workdir. Every failure carries its fix.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass, field

from cockpit.builds import LocalExecutor, host_triple
from cockpit.config import BuilderConfig, Config
from cockpit.ssh import BuilderError, SshBuilder

MIN_FREE_GB = 2.0
RUSTC = '"${RUSTC:-rustc}"'
"""The rustc cargo will run: the builder env's RUSTC when it sets one."""
VERSION = re.compile(r"^\S+ (\d+)\.(\d+)")


def _mismatch(versions: dict[str, str]) -> str:
    """Why this cargo cannot drive this rustc ('' when it can): cargo passes flags of its own
    release (e.g. --print split-debuginfo), which an older rustc refuses."""
    found = {tool: VERSION.match(text) for tool, text in versions.items()}
    cargo, rustc = found.get("cargo"), found.get("rustc")
    if cargo is None or rustc is None:
        return ""
    if (int(rustc[1]), int(rustc[2])) < (int(cargo[1]), int(cargo[2])):
        return f"{versions['cargo']} with the older {versions['rustc']}"
    return ""


@dataclass
class ProbeLine:
    check: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class BuilderReport:
    builder: str
    lines: list[ProbeLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


async def probe_builder(config: Config, builder: BuilderConfig) -> BuilderReport:
    report = BuilderReport(builder.name)
    add = report.lines.append
    remote = builder.kind == "ssh"
    executor: SshBuilder | LocalExecutor
    if remote:
        executor = SshBuilder(builder, config.base)
        try:
            await executor.connect()
        except BuilderError as exc:
            trusted = "not trusted" not in exc.message
            add(ProbeLine("reachable" if trusted else "host key trusted", False, exc.message,
                          exc.fix))
            return report
        add(ProbeLine("reachable", True, f"{builder.host}:{builder.port}"))
        add(ProbeLine("host key trusted", True, str(builder.known_hosts or "~/.ssh/known_hosts")))
        workdir = executor.workdir
    else:
        executor = LocalExecutor(builder.name)
        workdir = str(config.resolve(config.build.dist_dir).parent / ".cockpit" / "probe")
    env = dict(builder.env)
    try:
        versions: dict[str, str] = {}
        for tool, command in (("cargo", "cargo"), ("rustc", RUSTC)):
            result = await executor.run(f"{command} --version", env=env, timeout=30)
            if result.exit_code == 0 and result.tail:
                versions[tool] = result.tail[-1]
                add(ProbeLine(tool, True, result.tail[-1]))
            else:
                add(ProbeLine(tool, False, result.error or " ".join(result.tail[-2:]) or "failed",
                              f"install the Rust toolchain on {builder.name}, or set PATH/"
                              f"{tool.upper()} in its env"))
        if mismatch := _mismatch(versions):
            add(ProbeLine("cargo and rustc agree", False, mismatch,
                          "cargo drives a rustc of its own release or newer: put that toolchain's "
                          'cargo first on PATH in the builder\'s env (Debian: PATH = '
                          '"/usr/bin:/bin"), or point RUSTC at a newer rustc'))
        targets = builder.targets or ([host_triple()] if not remote else [])
        probe_dir = f"{workdir}/probe"
        for target in targets:
            command = (f"mkdir -p {shlex.quote(probe_dir)} && echo 'pub fn f() {{}}' | {RUSTC} "
                       f"--target {shlex.quote(target)} --crate-type lib --emit=metadata "
                       f"--crate-name probe -o {shlex.quote(probe_dir)}/probe.rmeta -")
            result = await executor.run(command, env=env, timeout=60)
            if result.exit_code == 0:
                add(ProbeLine(f"std for {target}", True, "present"))
            else:
                missing = any("can't find crate for `std`" in ln for ln in result.tail)
                add(ProbeLine(f"std for {target}", False,
                              "missing" if missing else (result.error or result.tail[-1:] or
                                                         ["failed"])[0],
                              f"rustup target add {target} on {builder.name}, or point RUSTC in "
                              "its env at a toolchain with that std (Debian: libstd-rust-dev:ARCH)"))
        result = await executor.run(f"mkdir -p {shlex.quote(workdir)} && df -Pk "
                                    f"{shlex.quote(workdir)} | tail -1", env=env, timeout=30)
        try:
            free_gb = int(result.tail[-1].split()[3]) / 1_000_000
        except (IndexError, ValueError):
            add(ProbeLine("free disk", False, "could not read df output", "check the workdir"))
        else:
            add(ProbeLine("free disk", free_gb >= MIN_FREE_GB, f"{free_gb:.1f} GB in {workdir}",
                          f"free space on {builder.name} (a release build needs a few GB)"))
    except BuilderError as exc:
        add(ProbeLine("connection", False, exc.message, exc.fix))
    finally:
        if isinstance(executor, SshBuilder):
            await executor.close()
    return report


async def probe_all(config: Config) -> list[BuilderReport]:
    return list(await asyncio.gather(*(probe_builder(config, b) for b in config.builders)))

