"""`cockpit init`: a cockpit.toml written from flags, checked before it replaces anything."""

from __future__ import annotations

import argparse

from cockpit.cli.loading import config_path, keep_state_out_of_tree
from cockpit.errors import CockpitError, Problem


def command(args: argparse.Namespace) -> int:
    import tomli_w

    from cockpit.config import load_config

    path = config_path(args)
    if path.exists() and not args.force:
        raise CockpitError([Problem("already exists", file=path, fix="pass --force to replace it")])
    data: dict[str, object] = {
        "release": {k: v for k, v in {
            "name": args.name, "version": args.release_version,
            "previous_version": args.previous_version, "repo": str(args.repo),
            "launch": args.launch, "timezone": args.timezone}.items() if v is not None},
        "build": {"package": args.package or args.name, "binary": args.binary or args.name,
                  "targets": args.target, "artifact": args.artifact},
        "builders": [{"name": "local", "kind": "local"}],
    }
    if args.install_script:
        data["install"] = {"script": str(args.install_script), "strategy": "version-line"}
    from datetime import datetime

    release = data["release"]
    assert isinstance(release, dict)
    try:
        release["launch"] = datetime.fromisoformat(args.launch)
    except ValueError:
        raise CockpitError([Problem(f"{args.launch!r} is not a date-time", field="--launch",
                                    fix="write it like 2026-01-15T08:00")]) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text("# Written by `cockpit init`; see README for every key.\n" + tomli_w.dumps(data))
    try:
        load_config(tmp)
    except CockpitError as exc:
        tmp.unlink()
        flags = {"release.version": "--release-version", "release.previous_version":
                 "--previous-version", "release.timezone": "--timezone", "release.repo": "--repo",
                 "release.launch": "--launch", "build.artifact": "--artifact"}
        for problem in exc.problems:  # the user wrote flags, not this file: name the flag
            flag = flags.get(problem.field or "")
            problem.file, problem.line = (None, None) if flag else (path, problem.line)
            problem.field = flag or problem.field
        raise
    tmp.replace(path)
    print(f"wrote {path}")
    config = load_config(path)
    if config.forge.kind == "local":  # `cockpit check` wants it there, writable
        config.local_forge.mkdir(parents=True, exist_ok=True)
        print(f"made the local forge {config.local_forge}")
    for line in keep_state_out_of_tree(config):
        print(f"added {line} to the repository's .git/info/exclude: the cockpit's own state "
              "never dirties the tree it checks")
    if path.resolve().is_relative_to(config.repo.resolve()):
        print(f"commit {path.name} with the release (git add {path.name} && git commit): it "
              "belongs to the repository, and its tree is not clean until it is committed")
    else:
        print(f"{path.name} is outside the release repository: keep it with your release notes "
              "(nothing to commit)")
    return 0
