"""Bad input ends in a clear message (what, where, the right fix) and exit 2, or works: never
a traceback, never a wrong hint (issue 12). Most run the real `cockpit` command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.steps.checks import Check

ROOT = Path(__file__).resolve().parents[2]


def cockpit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={"PATH": "/usr/bin:/bin:/usr/local/bin:" + str(Path.home() /
                               ".cargo/bin"), "COCKPIT_OPERATOR": "rm@test",
                               "HOME": str(cwd or "/tmp"), "COLUMNS": "200",
                               "PYTHONPATH": str(ROOT)})


def plain(out: subprocess.CompletedProcess[str]) -> str:
    """What the user read, on one line per problem (rich wraps nothing at 200 columns)."""
    text = out.stdout + out.stderr
    assert "Traceback" not in text, text
    return text


def set_key(config: Path, key: str, value: str) -> None:
    text = re.sub(rf"^{key} = .*$", f"{key} = {value}", config.read_text(), count=1, flags=re.M)
    config.write_text(text)


# 1: a launch so far out that the timeline overflows ---------------------------------------


def test_a_launch_in_the_year_9999_is_refused_by_check_naming_the_key(workspace: Path) -> None:
    set_key(workspace, "launch", "9999-12-31 23:59:59")
    out = cockpit("check", "--config", str(workspace))
    text = plain(out)
    assert out.returncode == 2, text
    assert "release.launch" in text and "too far out" in text and "2026-01-15 08:00:00" in text


@pytest.mark.parametrize("launch", ["9999-12-31 23:59:59", "9999-06-01 08:00:00",
                                    "0001-01-01 00:00:00"])
def test_a_launch_the_timeline_cannot_reach_names_file_line_and_field(
        workspace: Path, launch: str) -> None:
    set_key(workspace, "launch", launch)
    with pytest.raises(ConfigError) as err:
        load_config(workspace)
    problem = err.value.problems[0]
    assert problem.field == "release.launch" and problem.line is not None
    assert workspace.read_text().splitlines()[problem.line - 1].startswith("launch =")
    assert problem.fix and "e.g." in problem.fix


# 4: sizes, budgets, timeouts and ports are positive and finite -----------------------------


@pytest.mark.parametrize("value", ["-1e308", "0", "-5", "inf", "nan"])
def test_a_size_budget_that_is_not_positive_and_finite_is_refused(workspace: Path,
                                                                  value: str) -> None:
    set_key(workspace, "max_size_mb", value)
    with pytest.raises(ConfigError) as err:
        load_config(workspace)
    problem = err.value.problems[0]
    assert problem.field == "build.max_size_mb" and problem.line is not None and problem.fix


def test_a_port_outside_1_to_65535_is_refused(workspace: Path) -> None:
    workspace.write_text(workspace.read_text().replace(
        '{ name = "local", kind = "local" },',
        '{ name = "local", kind = "local" },\n    { name = "arm", kind = "ssh", host = "h", '
        'port = -1 },'))
    with pytest.raises(ConfigError) as err:
        load_config(workspace)
    assert err.value.problems[0].field == "builders.1.port"


@pytest.mark.parametrize("field", ["max_mb", "max_ms", "timeout"])
@pytest.mark.parametrize("value", [-1e308, 0.0, float("inf"), float("nan")])
def test_a_checks_budgets_and_timeout_are_positive_and_finite(field: str, value: float) -> None:
    with pytest.raises(ValidationError):
        Check.model_validate({"kind": "binary-size", "title": "size", "path": "x", field: value})


# 10: an expect_output pattern that backtracks without end ----------------------------------

SLOW_MATCH = """
title = "Slow match"
[[steps]]
id = "look"
kind = "shell"
title = "look at the output"
run = "printf aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
expect_output = "^(a+)+$"
"""


def with_playbooks(workspace: Path, **playbooks: str) -> None:
    """The workspace's cockpit.toml takes playbooks from a folder holding these."""
    folder = workspace.parent / "pb"
    folder.mkdir(exist_ok=True)
    for name, text in playbooks.items():
        (folder / f"{name}.toml").write_text(text)
    workspace.write_text(f'playbooks = "{folder}"\n' + workspace.read_text())


def matchers(settle: float = 10.0) -> list[str]:
    """The expect_output matcher processes alive on this machine (not zombies), once those
    being stopped have gone (a SIGKILLed process takes a moment to go; up to `settle` s)."""
    import time

    deadline = time.monotonic() + settle
    while True:
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                alive = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
                if alive and b"cockpit: an expect_output match" in cmdline.read_bytes():
                    found.append(cmdline.parent.name)
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_pattern_that_backtracks_without_end_fails_its_step_saying_so(workspace: Path) -> None:
    with_playbooks(workspace, slowmatch=SLOW_MATCH)
    out = cockpit("run", "slowmatch", "--headless", "--config", str(workspace))
    text = plain(out)
    assert out.returncode == 1, text
    assert "expect_output /^(a+)+$/" in text and "backtracks" in text and "rewrite it" in text
    assert matchers() == []


def test_sigterm_stops_the_cockpit_while_a_pattern_backtracks(workspace: Path) -> None:
    with_playbooks(workspace, slowmatch=SLOW_MATCH)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "run", "slowmatch", "--headless", "--config",
         str(workspace)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
        stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                       "COCKPIT_OPERATOR": "rm@test", "COLUMNS": "200",
                                       "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # the output is in: the match comes next
        seen.append(line)
        if "│ aaaa" in line:
            break
    spent = cpu_seconds(proc.pid)
    for _ in range(6000):  # until it matches: in a matcher, or (before) on its own loop
        if matchers(settle=0) or cpu_seconds(proc.pid) > spent + 0.5:
            break
        time.sleep(0.01)
    proc.terminate()
    try:  # before: the match held the loop (and its signal handler) for minutes
        rest, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("SIGTERM did not stop the cockpit while it matched") from None
    text = "".join(seen) + rest
    assert "CANCELLED" in text and "still matching" not in text, text
    assert matchers() == []


def test_sigterm_as_the_steps_command_ends_is_not_lost(workspace: Path) -> None:
    """Sent as the output arrives, SIGTERM came while the command ended: 3.11's wait_for
    dropped it (5 of 8 tries), and the run went on to match for the full time limit."""
    with_playbooks(workspace, slowmatch=SLOW_MATCH)
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "run", "slowmatch", "--headless", "--config",
             str(workspace)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
            stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                           "COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
        assert proc.stdout is not None
        for line in proc.stdout:
            if "│ aaaa" in line:
                break
        proc.terminate()
        rest, _ = proc.communicate(timeout=120)
        assert "CANCELLED" in rest and "still matching" not in rest, rest


# 5, 6, 11: the journal: a directory, a full disk, read-only media ---------------------------


def test_a_journal_path_that_is_a_directory_says_so_and_names_a_file_in_it(
        workspace: Path) -> None:
    folder = workspace.parent / "jdir"
    folder.mkdir()
    workspace.write_text(workspace.read_text() + '\n[journal]\npath = "jdir"\n')
    for args in (["run", "tag-release", "--headless"], ["journal", "export"]):
        out = cockpit(*args, "--config", str(workspace))
        text = plain(out)
        assert out.returncode == 2, text
        assert "is a directory, not a journal file" in text and "journal.path" in text
        assert "jdir/journal.sqlite" in text and "writable" not in text
    assert list(folder.iterdir()) == [] and not (workspace.parent / "jdir.lock").exists()


def test_a_full_disk_says_so_where_and_that_nothing_journaled_is_lost(tmp_path: Path) -> None:
    from cockpit.errors import JournalError
    from cockpit.journal.store import Journal

    journal = Journal.controller(tmp_path / "journal.sqlite")
    try:
        for n in range(20):
            journal.append("note", text=f"note {n}")
        before = journal.events()
        pages = journal._conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLITE_FULL, as a full disk gives: the database may not grow past what it has
        journal._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(JournalError) as err:
            journal.append("output", text="x" * 1_000_000)
        problem = err.value.problems[0]
        assert "the disk holding it is full" in problem.message
        assert str(tmp_path) in problem.message and problem.fix is not None
        assert "df -h" in problem.fix and "every event journaled before this one is kept" \
            in problem.fix and "check the journal path" not in str(err.value)
        assert [e.id for e in journal.events()] == [e.id for e in before]
        journal._conn.execute(f"PRAGMA max_page_count = {pages * 1000}")
        journal.append("note", text="space again")  # and it goes on once there is room
    finally:
        journal.close()


def read_only(*paths: Path) -> None:
    """Make these files and directories read-only as read-only media are: for root too (the
    immutable attribute: even root may not write), else by their mode."""
    for path in paths:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"chattr +i is not possible here ({done.stderr.strip()}): root "
                            "writes through any file mode")
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)


def writable_again(*paths: Path) -> None:
    for path in paths:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_journal_on_read_only_media_is_exported_and_spectated(workspace: Path) -> None:
    from cockpit.journal.store import Journal

    out = cockpit("run", "tag-release", "--headless", "--dry-run", "--config", str(workspace))
    assert out.returncode == 0, out.stderr
    path = load_config(workspace).journal_path
    files = [path.parent, *path.parent.iterdir()]
    read_only(*files)
    try:
        out = cockpit("journal", "export", "--config", str(workspace))
        text = plain(out)
        assert out.returncode == 0, text
        assert "tag-release" in out.stdout
        spectator = Journal.readonly(path)  # what --spectate opens
        try:
            assert any(e.kind == "run_started" for e in spectator.events())
        finally:
            spectator.close()
    finally:
        writable_again(*files)


def test_a_journal_on_read_only_media_with_unmerged_events_says_how_to_read_it(
        workspace: Path) -> None:
    path = load_config(workspace).journal_path
    path.parent.mkdir(parents=True, exist_ok=True)
    out = cockpit("run", "tag-release", "--headless", "--dry-run", "--config", str(workspace))
    assert out.returncode == 0, out.stderr
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"\0" * 4096)  # as a controller that died leaves it
    files = [path.parent, *path.parent.iterdir()]
    read_only(*files)
    try:
        out = cockpit("journal", "export", "--config", str(workspace))
    finally:
        writable_again(*files)
    text = plain(out)
    assert out.returncode == 2, text
    assert "journal.sqlite-wal" in text and "copy" in text and "writable" in text


# 7: a parameter too long for a command line ----------------------------------------------

LONG_NOTE = """
title = "Long note"
[params.note]
type = "text"
[[steps]]
id = "say"
kind = "shell"
shell = true
title = "say it twice"
run = "printf '%s\\\\n' {note}{note}"
"""


def test_a_100_kb_parameter_is_refused_naming_it_and_the_limit(workspace: Path) -> None:
    with_playbooks(workspace, longnote=LONG_NOTE)
    out = cockpit("run", "longnote", "--headless", "--yes", "--param", "note=" + "x" * 100_000,
                  "--config", str(workspace))
    text = plain(out)
    assert out.returncode == 2, text
    assert "param note" in text and "100,000 bytes" in text and "16,384 bytes" in text
    assert "internal error" not in text and "x" * 200 not in text


def test_a_parameter_at_the_limit_is_taken() -> None:
    from cockpit.params import MAX_VALUE_BYTES, ParamSpec, resolve_params

    value = "é" * (MAX_VALUE_BYTES // 2)
    assert resolve_params({"n": ParamSpec(type="text")}, {"n": value}, {}) == {"n": value}


# 8: defaults that refer to each other ------------------------------------------------------

CYCLIC = """
title = "Cyclic"
[params.a]
default = "{b}"
[params.b]
default = "x{a}"
[params.c]
default = "{release.version}"
[[steps]]
id = "s"
kind = "shell"
title = "echo"
run = "echo {a} {b} {c}"
"""


def test_a_circle_of_defaults_names_the_playbook_file_and_the_circle(workspace: Path) -> None:
    with_playbooks(workspace, cyclic=CYCLIC)
    out = cockpit("run", "cyclic", "--headless", "--dry-run", "--config", str(workspace))
    text = plain(out)
    assert out.returncode == 2, text
    assert "cyclic.toml" in text and "{a} -> {b} -> {a}" in text and "--param" in text
    out = cockpit("run", "cyclic", "--headless", "--dry-run", "--param", "b=1", "--config",
                  str(workspace))  # given one, the circle is broken
    assert out.returncode == 0, plain(out)
    assert "$ echo 1 1 1.1.0-beta" in out.stdout


def test_a_default_may_refer_to_another_parameter() -> None:
    from cockpit.params import ParamSpec, resolve_params

    specs = {"tag": ParamSpec(default="v{version}"), "version": ParamSpec(type="semver",
                                                                           default="1.2.3")}
    assert resolve_params(specs, {}, {}) == {"tag": "v1.2.3", "version": "1.2.3"}
    assert resolve_params(specs, {"version": "2.0.0"}, {})["tag"] == "v2.0.0"


# 9: the dist directory deleted during an upload -------------------------------------------


async def test_dist_deleted_mid_upload_names_the_missing_artifact_and_how_to_rebuild(
        tmp_path: Path) -> None:
    import shutil

    from cockpit.forge import ops
    from cockpit.forge.local import LocalForge
    from cockpit.forge.model import Asset, ForgeError, Release

    dist = tmp_path / "dist" / "1.1.0"
    dist.mkdir(parents=True)
    files = [dist / "caro-x86_64.tar.gz", dist / "caro-x86_64.tar.gz.sha256"]
    for path in files:
        path.write_bytes(b"artifact " * 100)

    class DeletedMidUpload(LocalForge):
        """The local forge, while someone runs `rm -rf dist` once the first file is sent."""

        async def upload_once(self, release: Release, path: Path) -> Asset:
            asset = await super().upload_once(release, path)
            shutil.rmtree(tmp_path / "dist")
            return asset

    forge = DeletedMidUpload(tmp_path / "forge")
    said: list[str] = []
    await ops.ensure_draft(forge, "v1.1.0", "caro v1.1.0", "", said.append)
    with pytest.raises(ForgeError) as err:
        await ops.upload_all(forge, "v1.1.0", files, said.append)
    problem = err.value.problems[0]
    assert "caro-x86_64.tar.gz.sha256 is missing from" in problem.message
    assert str(dist) in problem.message
    assert problem.fix and "cockpit build" in problem.fix and "re-run this step" in problem.fix
    release = await forge.release("v1.1.0")
    assert release is not None and [a.name for a in release.assets] == ["caro-x86_64.tar.gz"]
    with pytest.raises(ForgeError, match=r"caro-x86_64\.tar\.gz is missing"):
        await ops.verify(forge, "v1.1.0", files, said.append)



# 2, 3: files that cannot be read: nested too deeply, a link that loops ----------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_a_config_nested_100k_deep_names_the_file_and_line(workspace: Path) -> None:
    workspace.write_text(workspace.read_text() + f"\n[extra]\nx = {DEEP}\n")
    line = len(workspace.read_text().splitlines())
    for command in ("check", "playbooks"):
        out = cockpit(command, "--config", str(workspace))
        text = plain(out)
        assert out.returncode == 2, text
        assert f"cockpit.toml:{line}" in text and "nested too deeply" in text


def test_a_playbook_nested_100k_deep_names_the_playbook(workspace: Path) -> None:
    with_playbooks(workspace, deep=f'title = "deep"\nsteps = {DEEP}\n')
    out = cockpit("playbooks", "--config", str(workspace))
    text = plain(out)
    assert out.returncode == 2, text
    assert "deep.toml:2" in text and "nested too deeply" in text


@pytest.mark.parametrize("command", [[], ["check"], ["playbooks"], ["journal", "export"],
                                     ["run", "tag-release", "--headless"]])
def test_a_config_that_is_a_symlink_to_itself_says_so(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "cockpit.toml").symlink_to("cockpit.toml")
    out = cockpit(*command, cwd=tmp_path)
    text = plain(out)
    assert out.returncode == 2, text
    assert "cockpit.toml" in text and "symbolic link that loops" in text and "ln -sfn" in text
    assert "no cockpit.toml here" not in text
