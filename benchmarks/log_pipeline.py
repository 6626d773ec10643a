"""Log pipeline under load: 4 concurrent SSH streams into the journal and the builds screen.

Baseline (same run): asyncssh alone reading the same 4 streams, no journal, no UI.
Measured: aggregate lines/s end to end (remote -> journal -> poll -> panes), RSS after the
run, and key latency (press to action, p95) while the streams run at full speed.
Targets (issue 3): >= 50% of the raw rate, < 200 MB RSS after 1M lines, p95 <= 50 ms.

Run: .venv/bin/python benchmarks/log_pipeline.py [--split] [--runs N] [--lines-per-stream N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import asyncssh  # noqa: E402


class Server:
    """The SSH server in a separate process, as a real builder would be."""

    def __init__(self, root: Path) -> None:
        import subprocess

        self.proc = subprocess.Popen([sys.executable, str(HERE / "ssh_server_process.py"),
                                      str(root)], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        port, identity, known_hosts, home = self.proc.stdout.readline().split()
        self.port, self.identity, self.known_hosts = int(port), Path(identity), Path(known_hosts)
        self.home = Path(home)

    def builder(self) -> dict[str, object]:
        return {"name": "remote", "kind": "ssh", "host": "127.0.0.1", "port": self.port,
                "user": "builder", "identity": str(self.identity),
                "known_hosts": str(self.known_hosts), "workdir": str(self.home / "remote")}

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()

STREAMS = 4


def command(lines: int) -> str:
    line = ("   Compiling crate-%d v1.0.%d (/home/builder/src/crates/crate-%d) [release] "
            "warning: unused\\n")
    return f"awk 'BEGIN{{for(i=0;i<{lines};i++) printf \"{line}\", i, i%97, i}}'"


async def raw_rate(fx: Server, lines: int) -> float:
    conn = await asyncssh.connect("127.0.0.1", port=fx.port, username="builder",
                                  client_keys=[str(fx.identity)], known_hosts=str(fx.known_hosts))

    async def one() -> int:
        proc = await conn.create_process(command(lines), encoding=None)
        count, partial = 0, b""
        while chunk := await proc.stdout.read(65536):
            parts = (partial + chunk).split(b"\n")
            partial = parts.pop()
            count += len(parts)
        await proc.wait()
        return count

    t0 = time.perf_counter()
    counts = await asyncio.gather(*(one() for _ in range(STREAMS)))
    elapsed = time.perf_counter() - t0
    conn.close()
    assert sum(counts) == STREAMS * lines, counts
    return sum(counts) / elapsed


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def cockpit_rate(fx: Server, lines: int, root: Path,
                       split: bool) -> tuple[float, float, list[float]]:
    from textual.binding import Binding

    from cockpit.app.app import CockpitApp
    from cockpit.config import BuilderConfig, load_config
    from cockpit.demo.workspace import create_workspace
    from cockpit.executors.lines import text_of
    from cockpit.executors.ssh import SshBuilder
    from cockpit.journal.store import Journal
    from cockpit.runbook.loader import load_runbook
    from screens.builds import BuildsScreen

    config = load_config(create_workspace(root / "ws"))
    journal = Journal.controller(config.journal_path)
    targets = [f"stream-{i}" for i in range(STREAMS)]
    sent: list[float] = []
    latencies: list[float] = []

    class BenchApp(CockpitApp):
        BINDINGS = [*CockpitApp.BINDINGS, Binding("f12", "ping", "ping", id="bench-ping",
                                                  tooltip="benchmark probe")]

        def action_ping(self) -> None:
            latencies.append(time.perf_counter() - sent.pop(0))

    app = BenchApp(config, load_runbook(), journal)
    builder = SshBuilder(BuilderConfig(**fx.builder()), config.base)  # type: ignore[arg-type]
    async with app.run_test(size=(160, 48)) as pilot:
        # as in the cockpit: build work runs on the app's build thread, not the UI's loop
        await app.build_control.off_loop(builder.connect())
        await pilot.press("b")
        screen = app.screen
        assert isinstance(screen, BuildsScreen)
        screen.split = split
        journal.append("build_started", run_id="bench", targets=[
            {"target": t, "builder": "remote"} for t in targets], commit="bench")
        await pilot.pause(0.3)

        def sink_for(target: str):  # type: ignore[no-untyped-def]
            def sink(batch: Sequence[str]) -> None:  # as the build matrix's sink
                journal.append("output", run_id="bench", step=target, text=text_of(batch),
                               count=len(batch))
            return sink

        streaming = True

        async def probe() -> None:
            while streaming:
                sent.append(time.perf_counter())
                app.simulate_key("f12")
                await asyncio.sleep(0.02)

        t0 = time.perf_counter()
        prober = asyncio.ensure_future(probe())
        async def streams() -> None:
            await asyncio.gather(*(builder.run(command(lines), sink=sink_for(t))
                                   for t in targets))

        await app.build_control.off_loop(streams())
        streaming = False
        await prober
        last = journal.last_id()
        while app.builds.last_id < last:  # until the screen has taken in every line
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - t0
        panes = len(screen.query("LogPane"))
        assert panes == (STREAMS if split else 1), panes
        await app.build_control.off_loop(builder.close())
    journal.close()
    return STREAMS * lines / elapsed, rss_mb(), latencies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines-per-stream", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3,
                        help="rounds of baseline then cockpit; the ratio is their median")
    parser.add_argument("--split", action="store_true",
                        help="show all four logs side by side (default: the selected target's)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the asyncssh-alone baseline (for profiling the cockpit's part)")
    args = parser.parse_args()
    lines = args.lines_per_stream
    raws: list[float] = []
    rates: list[float] = []
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        fx = Server(Path(tmp) / "sshd")
        try:
            # alternating rounds: a machine that slows down for a while slows both sides
            for run in range(args.runs):
                if not args.no_baseline:
                    raws.append(await raw_rate(fx, lines))
                rate, rss, pressed = await cockpit_rate(fx, lines, Path(tmp) / str(run),
                                                        args.split)
                rates.append(rate)
                latencies += pressed
        finally:
            fx.close()
    total = STREAMS * lines
    p95 = sorted(latencies)[max(0, int(len(latencies) * 0.95) - 1)] * 1000 if latencies else 0
    view = "all four logs side by side" if args.split else "the selected target's log"
    ratios = sorted(rate / raw for rate, raw in zip(rates, raws, strict=False))
    ratio = (f"{statistics.median(ratios):5.2f}x of raw (rounds: "
             f"{', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.60)" if ratios else "")
    print(f"log pipeline: {STREAMS} SSH streams x {lines:,} lines = {total:,} lines, "
          f"{args.runs} round(s); builds screen showing {view}")
    if raws:
        print(f"  asyncssh alone (baseline)       {statistics.median(raws):12,.0f} lines/s")
    print(f"  cockpit (journal + builds pane) {statistics.median(rates):12,.0f} lines/s   {ratio}")
    print(f"  RSS after {args.runs} x {total:,} lines  {rss:8.0f} MB        (target < 200 MB)")
    print(f"  key latency while streaming: p95 {p95:.1f} ms, median "
          f"{statistics.median(latencies) * 1000:.1f} ms over {len(latencies)} presses "
          "(target p95 <= 50 ms)")


if __name__ == "__main__":
    asyncio.run(main())
