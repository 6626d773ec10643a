"""The spectators allowed to watch over SSH (issue 15): their public keys, each with a name,
in an OpenSSH authorized_keys file beside the journal (`.cockpit/spectators`), so the server
and `ssh-keygen -lf` read the same file. Public keys only: a private key given by mistake is
refused without being read into anything that is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cockpit.errors import CockpitError, Problem

FILE = "spectators"
"""The file's name, in the journal's directory."""
TAG = "cockpit-spectator:"
"""The key's comment: who it is (`cockpit-spectator:alice`)."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Spectator:
    name: str
    key_type: str
    fingerprint: str
    line: str
    """The authorized_keys line as stored."""


def _problem(message: str, fix: str, *, file: Path | None = None) -> CockpitError:
    return CockpitError([Problem(message, file=file, fix=fix)])


def read(path: Path) -> list[Spectator]:
    """The spectators in `path` (none if it does not exist yet)."""
    import asyncssh

    if not path.exists():
        return []
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            key = asyncssh.import_public_key(line)
        except (asyncssh.KeyImportError, ValueError):
            raise CockpitError([Problem("not a public key line", file=path, line=number,
                                        fix="remove the line, or add the key again with "
                                        "`cockpit spectators add KEYFILE --name NAME`")]) from None
        comment = line.split()[-1] if len(line.split()) > 2 else ""
        name = comment.removeprefix(TAG) if comment.startswith(TAG) else comment
        found.append(Spectator(name, key.get_algorithm(), key.get_fingerprint(), line.strip()))
    return found


def add(path: Path, keyfile: Path, name: str) -> Spectator:
    """Allow the public key in `keyfile` under `name`; returns it as stored."""
    import asyncssh

    if not NAME.fullmatch(name):
        raise _problem(f"{name!r} is not a spectator's name", "letters, digits and . _ @ -, "
                       "starting with a letter or digit (e.g. alice, bob.smith)")
    try:
        text = keyfile.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(f"cannot read the key: {getattr(exc, 'strerror', None) or exc}",
                       "give the spectator's public key file (id_ed25519.pub)",
                       file=keyfile) from None
    if "PRIVATE KEY" in text:
        raise _problem("that is a private key: a spectator's private key never leaves them",
                       f"give the public half: {keyfile.name}.pub", file=keyfile)
    try:
        key = asyncssh.import_public_key(text.strip())
    except (asyncssh.KeyImportError, ValueError):
        raise _problem("not an SSH public key", "give the spectator's public key file "
                       "(one line: ssh-ed25519 AAAA... or ssh-rsa AAAA...)",
                       file=keyfile) from None
    known = read(path)
    if any(s.name == name for s in known):
        raise _problem(f"a spectator named {name!r} is allowed already",
                       f"remove it first (`cockpit spectators remove {name}`), or choose "
                       "another name")
    fingerprint = key.get_fingerprint()
    if any(s.fingerprint == fingerprint for s in known):
        owner = next(s.name for s in known if s.fingerprint == fingerprint)
        raise _problem(f"that key is allowed already, as {owner!r}",
                       "one name per key: a session is journaled under it")
    kind, blob = key.export_public_key("openssh").decode().split()[:2]
    line = f"{kind} {blob} {TAG}{name}"  # their own comment (user@laptop) is not kept
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.write(line + "\n")
    return Spectator(name, key.get_algorithm(), fingerprint, line)


def remove(path: Path, name: str) -> Spectator:
    known = read(path)
    found = next((s for s in known if s.name == name), None)
    if found is None:
        raise _problem(f"no spectator named {name!r}", "allowed: " + (
            ", ".join(s.name for s in known) or "none yet (cockpit spectators add)"))
    lines = [s.line for s in known if s.name != name]
    path.write_text("".join(f"{line}\n" for line in lines))
    return found
