"""Issue 15 (its first part): who may watch over SSH. `cockpit spectators add|list|remove`
with keys made by the real ssh-keygen; the file they write is one OpenSSH reads."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.test_cli import cockpit

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")


def keygen(folder: Path, name: str, kind: str = "ed25519") -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"{name}@laptop", "-f",
                    str(key)], check=True)
    return key


def test_add_list_and_remove_spectators_openssh_reads_the_file(workspace: Path,
                                                              tmp_path: Path) -> None:
    config = ["--config", str(workspace)]
    alice, bob = keygen(tmp_path, "alice"), keygen(tmp_path, "bob", "rsa")
    added = cockpit("spectators", "add", str(alice) + ".pub", "--name", "alice", *config)
    assert added.returncode == 0, added.stderr
    assert cockpit("spectators", "add", str(bob) + ".pub", "--name", "bob.smith",
                   *config).returncode == 0
    listed = json.loads(cockpit("spectators", "list", "--format", "json", *config).stdout)
    assert [s["name"] for s in listed] == ["alice", "bob.smith"]
    stored = workspace.parent / ".cockpit" / "spectators"
    openssh = subprocess.run(["ssh-keygen", "-lf", str(stored)], capture_output=True,
                             text=True, check=True).stdout.splitlines()
    assert [line.split()[1] for line in openssh] == [s["fingerprint"] for s in listed]
    assert "cockpit-spectator:alice" in openssh[0] and "alice@laptop" not in stored.read_text()
    removed = cockpit("spectators", "remove", "bob.smith", *config)
    assert removed.returncode == 0 and "bob.smith may no longer watch" in removed.stdout
    assert [s["name"] for s in json.loads(cockpit(
        "spectators", "list", "--format", "json", *config).stdout)] == ["alice"]


def test_bad_keys_and_names_are_refused_and_nothing_is_written(workspace: Path,
                                                              tmp_path: Path) -> None:
    config = ["--config", str(workspace)]
    alice, carol = keygen(tmp_path, "alice"), keygen(tmp_path, "carol")
    assert cockpit("spectators", "add", str(alice) + ".pub", "--name", "alice",
                   *config).returncode == 0
    stored = workspace.parent / ".cockpit" / "spectators"
    before = stored.read_text()
    garbage = tmp_path / "notes.txt"
    garbage.write_text("hello\n")
    refused = {
        "that is a private key": ("add", str(carol), "--name", "carol"),
        "not an SSH public key": ("add", str(garbage), "--name", "carol"),
        "cannot read the key": ("add", str(tmp_path / "missing.pub"), "--name", "carol"),
        "is not a spectator's name": ("add", str(carol) + ".pub", "--name", "carol smith"),
        "a spectator named 'alice' is allowed already": ("add", str(carol) + ".pub",
                                                         "--name", "alice"),
        "that key is allowed already, as 'alice'": ("add", str(alice) + ".pub", "--name",
                                                    "alice2"),
        "no spectator named 'bob'": ("remove", "bob"),
    }
    for said, args in refused.items():
        out = cockpit("spectators", *args, *config)
        assert out.returncode == 2 and said in out.stderr and "fix:" in out.stderr, said
        assert "Traceback" not in out.stderr
    assert stored.read_text() == before
    assert "PRIVATE" not in stored.read_text()
