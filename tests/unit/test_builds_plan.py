from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cockpit.builds.matrix import BuildMatrix
from cockpit.builds.naming import asset_name, os_arch
from cockpit.builds.plan import assign
from cockpit.builds.stages import TargetStages
from cockpit.config import Config
from cockpit.errors import CockpitError
from cockpit.executors.groups import remote_script
from cockpit.executors.lines import Lines
from cockpit.executors.local import LocalExecutor
from cockpit.journal.store import Journal


def with_builders(config: Config, *builders: dict[str, object], **build: object) -> Config:
    return config.model_copy(update={
        "builders": [type(config.builders[0])(**b) for b in builders],  # type: ignore[arg-type]
        "build": config.build.model_copy(update=build)})


def test_os_arch_and_asset_names_follow_the_real_release(config: Config) -> None:
    assert os_arch("aarch64-unknown-linux-gnu") == ("linux", "arm64")
    assert os_arch("x86_64-apple-darwin") == ("macos", "amd64")
    bare = with_builders(config, {"name": "local"}, artifact="bare",
                         artifact_name="{binary}-{version}-{os}-{arch}")
    assert asset_name(bare, "aarch64-unknown-linux-gnu") == "caro-1.1.0-beta-linux-arm64"
    assert asset_name(bare, "x86_64-pc-windows-msvc") == "caro-1.1.0-beta-windows-amd64.exe"
    assert asset_name(config, "x86_64-unknown-linux-gnu") == \
        "caro-v1.1.0-beta-x86_64-unknown-linux-gnu.tar.gz"


def test_targets_go_to_the_builders_that_serve_them(config: Config) -> None:
    c = with_builders(config, {"name": "local", "targets": ["x86_64-unknown-linux-gnu"]},
                      {"name": "arm", "kind": "ssh", "host": "127.0.0.1",
                       "targets": ["aarch64-unknown-linux-gnu"]},
                      targets=["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"])
    plan = assign(c)
    assert [(a.target, a.builder.name) for a in plan] == [
        ("x86_64-unknown-linux-gnu", "local"), ("aarch64-unknown-linux-gnu", "arm")]
    with pytest.raises(CockpitError) as err:
        assign(c, ["riscv64gc-unknown-linux-gnu"])
    assert "no builder serves riscv64gc-unknown-linux-gnu" in err.value.problems[0].message
    with pytest.raises(CockpitError) as err:
        assign(c, ["aarch64-unknown-linux-gnu"], builder="local")
    assert err.value.problems[0].fix == "builders that serve it: arm"
    with pytest.raises(CockpitError) as err:  # a typo'd --builder is named as such
        assign(c, builder="amr")
    problem = err.value.problems[0]
    assert (problem.message, problem.fix) == ("no builder named 'amr'", "builders: local, arm")


def test_remote_script_quotes_everything_and_reports_its_group(tmp_path: Path) -> None:
    script = remote_script("echo $FOO; pwd; exit 3", cwd=str(tmp_path / "a b"),
                           env={"FOO": "x; $(touch pwned) `id`"})
    out = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    lines = out.stdout.splitlines()
    assert out.returncode == 3
    mark = lines[0].split()  # the group, the boot it started in, its leader's start time
    assert mark[0] == "__cockpit_pgid__" and int(mark[1]) > 1 and mark[3].isdigit()
    assert mark[2] == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert lines[1:] == ["x; $(touch pwned) `id`", str(tmp_path / "a b")]
    assert not (tmp_path / "pwned").exists()


def test_a_build_log_on_disk_holds_what_the_journal_holds_redacted(config: Config,
                                                                     journal: Journal) -> None:
    matrix = BuildMatrix(config, journal)
    target = assign(config)[0]
    context = TargetStages(matrix, "b-1", target, "abc", LocalExecutor("local"))
    token = "ghp_" + "t" * 36
    context.sink(Lines(f"pushing with {token}\nok"))
    matrix.log_file("b-1", target.target).close()
    on_disk = (journal.path.parent / "logs" / "b-1" / f"{target.target}.log").read_text()
    assert token not in on_disk
    assert on_disk == "pushing with [redacted]\nok\n"
    assert journal.events(kinds=["output"])[-1].lines() == ["pushing with [redacted]", "ok"]
