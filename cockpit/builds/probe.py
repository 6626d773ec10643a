"""`cockpit check`'s builder probe: can each builder build each of its targets right now?

Per builder: reachable, host key trusted, cargo and rustc versions under the builder's env,
each target's std present and this cargo able to drive this rustc (`cargo check` of a one-line
crate: metadata only, no linker needed), free disk in the workdir. Every failure carries its fix.
"""

from __future__ import annotations

import asyncio
import shlex

from cockpit.builds.actions_probe import probe_actions
from cockpit.builds.probe_lines import BuilderReport, ProbeLine
from cockpit.config import BuilderConfig, Config
from cockpit.executors.local import LocalExecutor
from cockpit.executors.ssh import BuilderError, SshBuilder
from cockpit.executors.toolchain import host_triple

MIN_FREE_GB = 2.0
RUSTC = '"${RUSTC:-rustc}"'
"""The rustc cargo will run: the builder env's RUSTC when it sets one."""


def _check_crate(folder: str, target: str) -> str:
    """A shell command: write a one-line library crate in `folder`, `cargo check` it."""
    manifest = '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2018"\n'
    d = shlex.quote(folder)
    return (f"mkdir -p {d}/src && printf {shlex.quote(manifest)} > {d}/Cargo.toml && "
            f"echo 'pub fn f() {{}}' > {d}/src/lib.rs && cd {d} && "
            f"cargo check -q --offline --target {shlex.quote(target)} --target-dir {d}/target "
            "--color never 2>&1")


def _std_line(builder: str, target: str, ok: bool, output: list[str]) -> ProbeLine:
    check = f"std for {target}"
    if ok:
        return ProbeLine(check, True, "present")
    text = "\n".join(output)
    if "can't find crate for `std`" in text or "can't find crate for `core`" in text:
        return ProbeLine(check, False, "missing",
                         f"rustup target add {target} on {builder}, or point RUSTC in its env "
                         "at a toolchain with that std (Debian: libstd-rust-dev:ARCH)")
    error = next((ln.strip() for ln in output if ln.strip().startswith("error")),
                 next((ln.strip() for ln in reversed(output) if ln.strip()), "failed"))
    if "print request" in text or "unknown codegen option" in text or "-Z" in error:
        return ProbeLine(check, False, f"this cargo cannot drive this rustc: {error}",
                         "cargo runs a rustc of its own release or newer: put one toolchain's "
                         'cargo and rustc first on PATH in the builder\'s env (Debian: PATH = '
                         '"/usr/bin:/bin"), or point RUSTC at a newer rustc')
    return ProbeLine(check, False, error, f"cargo check of an empty crate fails on {builder}: "
                     "run the command by hand there")


async def probe_builder(config: Config, builder: BuilderConfig) -> BuilderReport:
    if builder.kind == "github-actions":
        return await probe_actions(config, builder)
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
        for tool, command in (("cargo", "cargo"), ("rustc", RUSTC)):
            result = await executor.run(f"{command} --version", env=env, timeout=30)
            if result.exit_code == 0 and result.tail:
                add(ProbeLine(tool, True, result.tail[-1]))
            else:
                add(ProbeLine(tool, False, result.error or " ".join(result.tail[-2:]) or "failed",
                              f"install the Rust toolchain on {builder.name}, or set PATH/"
                              f"{tool.upper()} in its env"))
        targets = builder.targets or ([host_triple()] if not remote else [])
        for target in targets:
            # cargo itself checks a one-line crate for the target: its std, and whether this
            # cargo can drive this rustc at all (a newer cargo asks an older rustc for things
            # it does not know); metadata only, so no linker is needed
            result = await executor.run(_check_crate(f"{workdir}/probe", target), env=env,
                                        timeout=120)
            add(_std_line(builder.name, target, result.exit_code == 0,
                          [*result.tail, result.error or ""]))
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

