"""Spectators under load (issue 15): 20 SSH spectators and 5 browser spectators on the demo
release while the controller streams four build logs.

The controller: the cockpit on the demo release in a pty (160x48, clock frozen as in
nav_child.py), started as `cockpit build` starts it (`CockpitApp(build=...)`: the build matrix
on its build thread, every output line journaled). The four logs: four targets on one local
builder (max_jobs 4, so in parallel), whose PATH puts a stand-in `cargo` first. The stand-in
prints RATE lines a second, each line a unique marker (`Q<target>-<seq>`), for the whole
measurement and then hands over to the real cargo (never reached: the controller is stopped
first, which cancels the build). Real cargo on the demo crate finishes in seconds, too short to
stream for a minute. The controller is switched to its timeline (`t`) while the build streams.

Two runs, each on a fresh demo workspace with its own controller and streaming build (the
controller's key latency grows as its stream ages, so both are measured at the same age):
  B   N SSH spectators (OpenSSH's `ssh -tt`, each on a pty of its own, 160x48, output read
      and scanned as it comes) through `cockpit serve --ssh`, and M chromium pages (one
      browser, Playwright) through `cockpit serve --web`, join; each spectator goes to builds
      mode with the four logs split (`b`, `s`); a page whose session ends is opened again
      (counted); then keys on the controller for S seconds;
  A   nobody watches: the controller is left alone as long as B waited before its keys
      (--join seconds, or until the spectators' side said how many were ready if later), then
      keys for S seconds.
Figures:
  controller key: a key (down/up the timeline, as navigation.py) written to its pty, to the
      last byte of the repaint it causes; p95 of B against p95 of A;
  lag (B): a line's journaling (the `ts` the controller's journal gave its output event) to the
      first time its marker reached a spectator's screen: the bytes read from the ssh
      client's pty (time.time()), or the websocket message in the page (Date.now(), an init
      script; the xterm.js paint after it is not counted). Lines journaled during B's keys;
      lines a spectator never drew (scrolled past between two frames) are not counted, and
      the share drawn is printed;
  RSS: VmRSS of each spectator process (`cockpit --spectate`, pids from the viewers directory
      beside the journal, cross-checked with the SSH sessions file) at the end of B's keys.
Targets: controller key p95 <= 1.2x without spectators; lag p95 <= 500 ms; RSS <= 100 MB each.

The teammates' side (ssh clients, the browser, the readers timing what reaches them) would run
on the teammates' machines; here it shares the two cores. --teammates nice|idle runs it at a
lower CPU priority (nice 19, or the spectators' idle class; either way each of its sessions'
scheduling groups at nice 19, as the viewers'): the controller's figure then tells the
cockpit's own cost apart. The CPU each kind of process used during the keys is
printed, and each spectator's own memory (anonymous) against its shared libraries.

Run: PYTHONPATH=$PWD .venv/bin/python benchmarks/spectators.py [--ssh N] [--web N]
     [--seconds S] [--join S] [--rate LINES_PER_S] [--teammates normal|nice|idle]
On the 2-core development machine the default run took 9.5 minutes (the 25 spectators took
166 s to join, and A waits as long); a quick one: --ssh 2 --web 1 --seconds 8 --join 20.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))
from navigation import drain  # noqa: E402  (a repaint read to its end, as navigation.py does)

COLUMNS, LINES = 160, 48
QUIET = 0.08
"""Seconds without output that end a repaint burst."""
DOWN, UP = b"\x1b[B", b"\x1b[A"
TARGETS = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "x86_64-unknown-linux-musl",
           "aarch64-apple-darwin"]
MARK = re.compile(rb"Q([0-3])-(\d{6})")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""As tests/integration/test_serve_web.py runs Debian's chromium."""

FAKE_CARGO = """#!{python}
# stand-in cargo (benchmarks/spectators.py): RATE marked lines a second for SECONDS, then cargo
import os, sys, time
args = sys.argv[1:]
target = args[args.index("--target") + 1] if "--target" in args else "?"
index = {targets!r}.index(target) if target in {targets!r} else 9
rate, seconds = float(os.environ["BENCH_RATE"]), float(os.environ["BENCH_SECONDS"])
t0, sent = time.monotonic(), 0
while (now := time.monotonic()) - t0 < seconds:
    due = int((now - t0) * rate)
    if due > sent:
        sys.stdout.write("".join(f"Q{{index}}-{{n:06d}} Compiling unit-{{n}} v0.1.0 (stream "
                                 f"{{index}}, {{rate:g}} lines/s)\\n" for n in range(sent, due)))
        sys.stdout.flush()
        sent = due
    time.sleep(0.02)
os.execv({cargo!r}, [{cargo!r}, *args])
"""

WATCH_JS = """
(() => {
  const Native = window.WebSocket;
  window.__marks = {};
  window.__drawn = false;
  window.__closed = false;
  window.__bytes = 0;
  const seen = (text, at) => {
    if (text.includes("SPECTATOR")) window.__drawn = true;
    const found = text.match(/Q[0-3]-[0-9]{6}/g) || [];
    for (const m of found) if (!(m in window.__marks)) window.__marks[m] = at;
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      const decoder = new TextDecoder();
      let tail = "";
      this.addEventListener("close", () => { window.__closed = true; });
      this.addEventListener("message", (event) => {
        const at = Date.now();
        const take = (text) => { window.__bytes += text.length; seen(tail + text, at);
                                 tail = text.slice(-12); };
        if (typeof event.data === "string") take(event.data);
        else if (event.data instanceof ArrayBuffer) take(decoder.decode(event.data));
        else event.data.arrayBuffer().then((b) => take(decoder.decode(b)));
      });
    }
  };
})();
"""


# the pty side -------------------------------------------------------------------------------

TEAMMATES_GROUP = "BENCH_TEAMMATES_GROUP_NICE"
"""Linux shares the CPU between sessions first (autogroups), then by class and nice inside
each: the teammates' side, lowered, lowers the scheduling group of each session it leads."""


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, todo = [], [root]
    while todo:
        parent = todo.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def lower_session(nice: str | None) -> None:
    if nice:
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text(nice)


def spawn(argv: list[str], cols: int = COLUMNS, rows: int = LINES) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: a real terminal of the benchmark's size
        lower_session(os.environ.get(TEAMMATES_GROUP))  # a session of its own: its group too
        os.environ.update({"TERM": "xterm-256color"})
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return pid, fd


def idle(fd: int, seconds: float) -> None:
    """Keep reading the controller's terminal (it must never block writing) for a while."""
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                os.read(fd, 1 << 16)
            except OSError:
                return


def keys(fd: int, seconds: float) -> list[float]:
    """Down the timeline 20 rows, up again, ... for `seconds`: each key to its last byte."""
    times: list[float] = []
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        key = DOWN if (i // 20) % 2 == 0 else UP
        i += 1
        t0 = time.perf_counter()
        os.write(fd, key)
        last = drain(fd, QUIET, 2)
        if last is not None:
            times.append(last - t0)
    return times


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)] if ordered else float("nan")


def wait_for(what: Any, message: str, timeout: float, fd: int | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark: {message}")
        if fd is None:
            time.sleep(0.2)
        else:
            idle(fd, 0.2)


# the controller (a child of its own) --------------------------------------------------------

def controller(config_path: str) -> None:
    from cockpit.app.app import CockpitApp
    from cockpit.app.launch import open_journal
    from cockpit.builds.plan import assign
    from cockpit.clock import FrozenClock
    from cockpit.config import load_config
    from cockpit.runbook.loader import load_runbook

    config = load_config(Path(config_path))
    journal, reason = open_journal(config, spectate=False)
    assert journal.writable, reason
    clock = FrozenClock(datetime.now(UTC))  # no countdown repaints (as nav_child.py)
    try:
        CockpitApp(config, load_runbook(), journal, clock=clock, spectator_reason=reason,
                   build=assign(config)).run()
    finally:
        journal.close()


# the spectators' side (a child of its own, so the measuring process is the same in A and B) ---

class Terminal:
    """One SSH spectator's terminal: the ssh client on a pty, its output read and scanned."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name = name
        self.pid, self.fd = spawn(argv)
        self.drawn = False
        self.tail = b""
        self.bytes = 0
        self.marks: dict[str, float] = {}
        self.targets: set[bytes] = set()
        self.stage = "connecting"
        self.since = time.monotonic()

    def take(self, data: bytes, at: float) -> None:
        self.bytes += len(data)
        self.drawn = self.drawn or b"SPECTATOR" in self.tail + data
        for m in MARK.finditer(self.tail + data):
            self.marks.setdefault(m[0].decode(), at)
            self.targets.add(m[1])
        self.tail = data[-12:]
        self.advance()

    def advance(self) -> None:
        """SPECTATOR drawn: `b` (builds mode); a log line drawn: `s` (the four side by side);
        lines of three targets drawn: ready."""
        if self.stage == "ready":  # (called after every read of every terminal: cheap)
            return
        now = time.monotonic()
        if self.stage == "connecting" and self.drawn:
            os.write(self.fd, b"b")
            self.stage, self.since = "builds", now
        elif self.stage == "builds" and self.marks:
            os.write(self.fd, b"s")
            self.stage, self.since = "split", now
        elif self.stage == "split" and len(self.targets) >= 3:
            self.stage = "ready"
        elif self.stage in ("builds", "split") and now - self.since > 8:  # said again
            os.write(self.fd, b"b" if self.stage == "builds" else b"s")
            self.since = now


def watch(spec_file: str) -> None:
    """The spectators: SSH terminals read on a thread, chromium pages; 'ready' on stdout when
    every one shows the split logs, results written when stdin says stop."""
    spec = json.loads(Path(spec_file).read_text())
    if spec["teammates"] != "normal":  # this session's group, and each ssh client's
        os.environ[TEAMMATES_GROUP] = "19"
        lower_session("19")
    terms = []
    for name, key in spec["keys"]:
        argv = ["ssh", "-F", "/dev/null", "-tt", "-i", key, "-p", str(spec["ssh_port"]), "-o",
                "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                f"UserKnownHostsFile={spec['known_hosts']}", "-o", "IdentitiesOnly=yes",
                f"{name}@127.0.0.1"]
        terms.append(Terminal(name, argv))
        time.sleep(0.1)
    stop = threading.Event()

    def read() -> None:
        by_fd = {t.fd: t for t in terms}
        while not stop.is_set() and by_fd:
            ready, _, _ = select.select(list(by_fd), [], [], 0.2)
            at = time.time()
            for fd in ready:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    data = b""
                if not data:
                    by_fd.pop(fd).stage = "closed"
                    continue
                by_fd[fd].take(data, at)
            for t in by_fd.values():
                t.advance()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    pages: list[Any] = []
    stages = ["connecting"] * spec["web"]
    kept: list[dict[str, float]] = [{} for _ in range(spec["web"])]
    reopened = [0] * spec["web"]
    from playwright.sync_api import sync_playwright

    def reopen(i: int) -> None:
        """A page whose session ended: its marks kept, then 'Watch again' (a reload)."""
        kept[i].update(pages[i].evaluate("window.__marks"))
        reopened[i] += 1
        stages[i] = "connecting"
        pages[i].reload(wait_until="commit")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        if spec["teammates"] != "normal":  # the browser leads a session of its own
            for pid in descendants(os.getpid()):
                with contextlib.suppress(OSError):
                    Path(f"/proc/{pid}/autogroup").write_text("19")
        for _ in range(spec["web"]):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.add_init_script(WATCH_JS)
            page.goto(spec["url"], wait_until="commit")
            pages.append(page)
        deadline = time.monotonic() + spec["timeout"]
        since = [time.monotonic()] * len(pages)
        while time.monotonic() < deadline:
            for i, page in enumerate(pages):
                got = page.evaluate("[window.__drawn, Object.keys(window.__marks), "
                                    "window.__closed]")
                targets = {k[1] for k in got[1]}
                now = time.monotonic()
                if got[2]:
                    reopen(i)
                    since[i] = now
                elif stages[i] == "connecting" and got[0]:
                    page.locator("#terminal").click()
                    page.keyboard.press("b")
                    stages[i], since[i] = "builds", now
                elif stages[i] == "builds" and targets:
                    page.keyboard.press("s")
                    stages[i], since[i] = "split", now
                elif stages[i] == "split" and len(targets) >= 3:
                    stages[i] = "ready"
                elif stages[i] in ("builds", "split") and now - since[i] > 8:
                    page.keyboard.press("b" if stages[i] == "builds" else "s")
                    since[i] = now
            if all(s == "ready" for s in stages) and all(t.stage == "ready" for t in terms):
                break
            pages[0].wait_for_timeout(300) if pages else time.sleep(0.3)
        print(json.dumps({"ready": [t.stage for t in terms] + stages}), flush=True)
        while not select.select([sys.stdin], [], [], 2.0)[0]:  # until told to stop
            for i, page in enumerate(pages):  # a session that ended is opened again
                if page.evaluate("window.__closed"):
                    reopen(i)
        sys.stdin.readline()
        web = [page.evaluate("[window.__marks, window.__bytes, window.__closed]")
               for page in pages]
        browser.close()
    stop.set()
    reader.join(5)
    for t in terms:
        with contextlib.suppress(ProcessLookupError):
            os.kill(t.pid, signal.SIGTERM)
    for t in terms:
        os.waitpid(t.pid, 0)
        os.close(t.fd)
    Path(spec["out"]).write_text(json.dumps({
        "ssh": [{"name": t.name, "marks": t.marks, "bytes": t.bytes,
                 "ended": t.stage == "closed"} for t in terms],
        "web": [{"name": f"page{i}", "marks": {k: v / 1000 for k, v in {**w[0], **kept[i]}.items()},
                 "bytes": w[1], "ended": reopened[i] + w[2]} for i, w in enumerate(web)]}))


# the benchmark ------------------------------------------------------------------------------

def workspace(root: Path, rate: float) -> Path:
    """The demo release, building four targets on one local builder whose cargo streams."""
    import tomllib

    import tomli_w

    from cockpit.demo.workspace import create_workspace

    config_path = create_workspace(root / "ws")
    bin_dir = root / "fakebin"
    bin_dir.mkdir()
    cargo = shutil.which("cargo") or "/bin/false"
    fake = bin_dir / "cargo"
    fake.write_text(FAKE_CARGO.format(python=sys.executable, targets=TARGETS, cargo=cargo))
    fake.chmod(0o755)
    data = tomllib.loads(config_path.read_text())
    data["build"]["targets"] = TARGETS
    data["builders"] = [{"name": "local", "kind": "local", "targets": TARGETS, "max_jobs": 4,
                         "env": {"PATH": f"{bin_dir}:{os.environ['PATH']}",
                                 "BENCH_RATE": str(rate), "BENCH_SECONDS": "3600"}}]
    config_path.write_text(tomli_w.dumps(data))
    return config_path


def output_rows(journal: Path) -> list[tuple[str, str, str]]:
    with contextlib.closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        return list(db.execute("SELECT ts, step, text FROM events WHERE kind = 'output' "
                               "AND text IS NOT NULL"))


def journaled(journal: Path) -> dict[str, float]:
    """Each marker's journaling time (its output event's ts)."""
    out: dict[str, float] = {}
    for ts, _, text in output_rows(journal):
        at = datetime.fromisoformat(ts).timestamp()
        for m in MARK.finditer(text.encode()):
            out.setdefault(m[0].decode(), at)
    return out


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(controller: int) -> dict[str, float]:
    """CPU time (user + system) used so far by each kind of process on the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            argv = [a.decode(errors="replace") for a in (entry / "cmdline").read_bytes()
                    .split(b"\0")]
        except OSError:
            continue
        line = " ".join(argv)
        kind = ("controller" if int(entry.name) == controller
                else "viewers (cockpit --spectate)" if "--spectate" in argv
                else "ssh server (cockpit serve --ssh)" if "serve" in argv and "--ssh" in argv
                else "web server (cockpit serve --web)" if "serve" in argv and "--web" in argv
                else "ssh clients" if Path(argv[0]).name == "ssh"
                else "chromium" if "chrom" in line or "headless_shell" in line
                else "benchmark (readers, playwright)" if str(HERE) in line
                or "playwright" in line
                else "stand-in cargo" if "fakebin" in line
                else "other")
        used[kind] = used.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return used


def memory_parts(pid: int) -> dict[str, float]:
    """Of a process's RSS (MB): its own memory (anonymous), and its share of what it
    shares with other processes (proportional set size: libraries counted once for all)."""
    parts = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in {"Rss", "Pss", "Anonymous"}:
                parts[name] = int(value.split()[0]) / 1024
    except OSError:
        return {}
    return parts


def start_server(kind: str, config: Path, port: int, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cockpit", "serve", f"--{kind}", "--port", str(port),
         "--config", str(config)], stdout=out.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True, cwd=ROOT)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_group(proc: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run(opts: argparse.Namespace, watched: bool, hold: float | None) -> dict[str, Any]:
    """One controller on a fresh demo workspace, its four logs streaming; `watched`: the
    spectators join (their join time is returned as `hold`), else the controller is left alone
    for `hold` seconds; then keys for S seconds, at the same age of the stream either way."""
    from cockpit.config import load_config
    from cockpit.journal import viewers
    from cockpit.serve.sessions import sessions_path

    tmp = Path(tempfile.mkdtemp(prefix="bench-spectators-"))
    procs: list[subprocess.Popen[Any]] = []
    pid = fd = -1
    out: dict[str, Any] = {}
    try:
        config_path = workspace(tmp, opts.rate)
        journal = load_config(config_path).journal_path
        pid, fd = spawn([sys.executable, str(HERE), "controller", str(config_path)])
        drain(fd, 1.0, 30)  # the first frame, and what follows it

        def streaming() -> bool:
            return journal.exists() and len({r[1] for r in output_rows(journal)
                                              if MARK.search(r[2].encode())}) == 4

        wait_for(streaming, "the four build logs never streamed", 90, fd)
        t0 = time.perf_counter()  # the stream's age counts from here, in both runs
        os.write(fd, b"t")  # the timeline, while the build streams on
        if watched:
            out.update(join(opts, tmp, config_path, journal, fd, procs, t0 + opts.join))
            idle(fd, opts.join - (time.perf_counter() - t0))  # ready early: as long, still
            out["hold"] = time.perf_counter() - t0
        else:
            idle(fd, (hold or 0) - (time.perf_counter() - t0))
        idle(fd, 3.0)  # the watching count settles in the controller's header
        drain(fd, 0.3, 5)
        out["start"], cpu = time.time(), cpu_seconds(pid)
        out["keys"] = keys(fd, opts.seconds)
        out["end"], after = time.time(), cpu_seconds(pid)
        out["cpu"] = {k: (after[k] - cpu.get(k, 0.0)) / (out["end"] - out["start"])
                      for k in after}
        if watched:
            found = viewers.watching(journal)
            out["watching"] = [v.via for v in found]
            out["rss"] = [(v.via, v.pid, rss_mb(v.pid)) for v in found]
            out["memory"] = [memory_parts(v.pid) for v in found]
            path = sessions_path(journal)
            arrived = [json.loads(x) for x in path.read_text().splitlines()
                       if '"arrived"' in x] if path.exists() else []
            out["ssh_pids"] = [int(a["pid"]) for a in arrived if a.get("via") == "ssh"]
            watcher = procs[-1]
            assert watcher.stdin is not None
            watcher.stdin.write("stop\n")
            watcher.stdin.flush()
            while watcher.poll() is None:
                idle(fd, 0.2)
            for proc in procs[:-1]:
                stop_group(proc)
            wait_for(lambda: not viewers.watching(journal), "spectators left behind", 30, fd)
            out["seen"] = json.loads((tmp / "seen.json").read_text())
        out["marks"] = journaled(journal)
        out["age"] = time.perf_counter() - t0
    finally:
        for proc in procs:
            if proc.poll() is None:
                stop_group(proc)
        if pid > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            idle(fd, 2.0)
            os.waitpid(pid, 0)
            os.close(fd)
        leftovers = subprocess.run(["pgrep", "-f", str(tmp / "fakebin")], capture_output=True,
                                   text=True).stdout.split()
        for left in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(left), signal.SIGKILL)
        out["leftovers"] = len(leftovers)
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def join(opts: argparse.Namespace, tmp: Path, config_path: Path, journal: Path, fd: int,
         procs: list[subprocess.Popen[Any]], by: float) -> dict[str, Any]:
    """The servers, the teammates' keys, and the spectators until every one is ready."""
    from cockpit import spectators

    web_port, ssh_port = free_port(), free_port()
    ssh_out, web_out = tmp / "ssh.out", tmp / "web.out"
    names = []
    for i in range(opts.ssh):
        name = f"teammate{i:02d}"
        key = tmp / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                        str(key)], check=True)
        spectators.add(journal.parent / spectators.FILE, Path(f"{key}.pub"), name)
        names.append((name, str(key)))
    t0 = time.perf_counter()
    if opts.ssh:
        procs.append(start_server("ssh", config_path, ssh_port, ssh_out))
    if opts.web:
        procs.append(start_server("web", config_path, web_port, web_out))
    known_hosts = tmp / "known_hosts"
    if opts.ssh:
        wait_for(lambda: "known_hosts line" in ssh_out.read_text(),
                 "the SSH server never started", 30, fd)
        line = next(x for x in ssh_out.read_text().splitlines() if "known_hosts line" in x)
        known_hosts.write_text(line.split("known_hosts line: ", 1)[1] + "\n")
    if opts.web:
        wait_for(lambda: "web: http" in web_out.read_text(), "the web server never started",
                 30, fd)
    found = re.search(r"web: (\S+)", web_out.read_text()) if opts.web else None
    spec = tmp / "spec.json"
    spec.write_text(json.dumps({"keys": names, "ssh_port": ssh_port,
                                "known_hosts": str(known_hosts), "url": found[1] if found else "",
                                "web": opts.web, "out": str(tmp / "seen.json"),
                                "teammates": opts.teammates,
                                "timeout": max(10.0, by - time.perf_counter())}))
    lower = {"normal": [], "nice": ["nice", "-n", "19"], "idle": ["chrt", "--idle", "0"]}
    watcher = subprocess.Popen([*lower[opts.teammates], sys.executable, str(HERE), "watch",
                                str(spec)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    procs.append(watcher)
    assert watcher.stdout is not None
    while not select.select([watcher.stdout], [], [], 0)[0]:
        idle(fd, 0.2)  # the controller's output read meanwhile
        if watcher.poll() is not None:
            raise SystemExit("benchmark: the spectators' side died")
    ready = json.loads(watcher.stdout.readline())["ready"]
    return {"ready": ready, "joined": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ssh", type=int, default=20, help="SSH spectators")
    parser.add_argument("--web", type=int, default=5, help="browser spectators (chromium pages)")
    parser.add_argument("--seconds", type=float, default=60, help="seconds of keys in each run")
    parser.add_argument("--rate", type=float, default=100, help="lines/s of each build log")
    parser.add_argument("--join", type=float, default=75,
                        help="seconds from the stream's start given to the spectators to join "
                        "(both runs wait as long before their keys)")
    parser.add_argument("--teammates", choices=["normal", "nice", "idle"], default="normal",
                        help="CPU priority of the teammates' side (ssh clients, the browser, "
                        "the readers that time what they see), which in use runs on their own "
                        "machines: normal, nice 19, or the idle scheduling class as the "
                        "spectators' (its timing of the lag then includes its own waits)")
    opts = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # what was started is stopped
    import cockpit

    assert Path(cockpit.__file__).resolve().is_relative_to(ROOT), cockpit.__file__
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])
    b = run(opts, True, None)
    a = run(opts, False, b["hold"])

    # figures ----------------------------------------------------------------------------------
    in_b = {m: at for m, at in b["marks"].items() if b["start"] <= at <= b["end"]}
    lags: dict[str, list[float]] = {"ssh": [], "web": []}
    drawn: dict[str, list[float]] = {"ssh": [], "web": []}
    for via in ("ssh", "web"):
        for one in b["seen"][via]:
            got = [one["marks"][m] - at for m, at in in_b.items() if m in one["marks"]]
            lags[via] += got
            drawn[via].append(len(got) / max(1, len(in_b)))
    every = lags["ssh"] + lags["web"]
    ms = 1000

    def keyrow(name: str, samples: list[float], base: list[float] | None = None) -> str:
        ratio = f"  p95 {pct(samples, .95) / pct(base, .95):4.2f}x" if base else "  (baseline)"
        return (f"  {name:<38} median {statistics.median(samples) * ms:6.1f} ms  p95 "
                f"{pct(samples, .95) * ms:6.1f} ms  ({len(samples)} keys){ratio}")

    def halves(samples: list[float]) -> str:
        half = len(samples) // 2
        return (f"p95 first half {pct(samples[:half], .95) * ms:.1f} ms, second half "
                f"{pct(samples[half:], .95) * ms:.1f} ms")

    ready, watching = b["ready"], b["watching"]
    print(f"spectators on the demo release: {opts.ssh} SSH + {opts.web} browser; the controller "
          f"streaming 4 build logs x {opts.rate:g} lines/s; two runs on fresh workspaces, "
          f"B (watched) then A (alone), keys from {b['hold'] + 3:.0f} s to "
          f"{b['hold'] + 3 + opts.seconds:.0f} s into the stream in both; the teammates' "
          f"side (ssh clients, browser, readers) at {opts.teammates} priority")
    print(f"  B: spectators ready (builds mode, logs split) {b['joined']:.1f} s after the servers "
          f"started: {sum(s == 'ready' for s in ready)}/{len(ready)}; watching during B: "
          f"{len(watching)} ({watching.count('ssh')} ssh, {watching.count('web')} web); lines "
          f"journaled: B {len(b['marks']):,}, A {len(a['marks']):,}")
    ended = [o["name"] for via in ("ssh", "web") for o in b["seen"][via] if o["ended"]]
    reopened = sum(int(o["ended"]) for o in b["seen"]["web"])
    print(f"  sessions that ended by themselves during B: {len(ended)} "
          f"({', '.join(ended) or 'none'}; browser pages opened again: {reopened})")
    print(f"controller key to last repaint byte ({COLUMNS}x{LINES} pty, timeline down/up, burst "
          f"ends after {QUIET * ms:.0f} ms quiet):")
    print(keyrow("A: nobody watching", a["keys"]))
    print(keyrow(f"B: {opts.ssh} ssh + {opts.web} web watching", b["keys"], a["keys"]))
    print(f"    A {halves(a['keys'])}; B {halves(b['keys'])}")
    print(f"lag, line journaled -> on a spectator's screen ({len(in_b):,} lines journaled during "
          "B's keys):")
    for via, label in (("ssh", "ssh (bytes at the client's pty)"),
                       ("web", "web (websocket message in the page)"), ("all", "all")):
        got = every if via == "all" else lags[via]
        if not got:
            continue
        share = (f"  drawn: {statistics.mean(drawn[via]) * 100:.0f}% of the lines per "
                 "spectator" if via != "all" else "")
        print(f"  {label:<36} p50 {pct(got, .5) * ms:6.0f} ms  p95 {pct(got, .95) * ms:6.0f} "
              f"ms  max {max(got) * ms:6.0f} ms  ({len(got):,} samples){share}")
    print("CPU during the keys, share of one core (the machine has "
          f"{os.cpu_count()}; the teammates' ssh clients and browser run on it too):")
    for kind in sorted(set(a["cpu"]) | set(b["cpu"]), key=lambda k: -b["cpu"].get(k, 0.0)):
        print(f"  {kind:<38} A {a['cpu'].get(kind, 0.0) * 100:5.0f}%   B "
              f"{b['cpu'].get(kind, 0.0) * 100:5.0f}%")
    rss = b["rss"]
    sizes = [r for _, _, r in rss if r is not None]

    def worst(via: str) -> float:
        return max((r for v, _, r in rss if v == via and r is not None), default=float("nan"))

    print(f"spectator RSS (VmRSS at the end of B's keys, {len(sizes)} processes): max "
          f"{max(sizes, default=float('nan')):.0f} MB, mean "
          f"{statistics.mean(sizes) if sizes else float('nan'):.0f} MB (ssh max "
          f"{worst('ssh'):.0f} MB, web max {worst('web'):.0f} MB); the SSH sessions' pids all "
          f"among them: {set(b['ssh_pids']) <= {p for v, p, _ in rss if v == 'ssh'}}")
    parts = [m for m in b["memory"] if m]
    if parts:
        print(f"  of which (mean of the {len(parts)}): anonymous (the process's own) "
              f"{statistics.mean(m.get('Anonymous', 0) for m in parts):.0f} MB, shared "
              f"files (libraries) {statistics.mean(m['Rss'] - m.get('Anonymous', 0) for m in parts):.0f}"
              f" MB; PSS (shared pages divided among their sharers) "
              f"{statistics.mean(m.get('Pss', 0) for m in parts):.0f} MB")
    if a["leftovers"] or b["leftovers"]:
        print(f"  stand-in cargo processes left after the controller stopped: "
              f"{a['leftovers'] + b['leftovers']} (killed)")
    ratio = pct(b["keys"], .95) / pct(a["keys"], .95)
    lag95 = pct(every, .95)
    biggest = max(sizes, default=float("inf"))
    print("verdict:")
    print(f"  controller key p95 watched {ratio:.2f}x of alone (<= 1.2x): "
          f"{'held' if ratio <= 1.2 else 'NOT held'}")
    print(f"  lag p95 {lag95 * ms:.0f} ms (<= 500 ms): {'held' if lag95 <= 0.5 else 'NOT held'}")
    print(f"  spectator RSS max {biggest:.0f} MB (<= 100 MB each): "
          f"{'held' if biggest <= 100 else 'NOT held'}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "controller":
        controller(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "watch":
        watch(sys.argv[2])
    else:
        main()
