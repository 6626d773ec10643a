"""What a release's files are called and where they land: one asset per target (an archive or
the bare binary) and its `.sha256`, then SHA256SUMS, under <dist_dir>/<version>/."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import Config
from cockpit.executors.toolchain import host_triple

ARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7": "armv7"}
OS = {"linux": "linux", "darwin": "macos", "windows": "windows"}


def os_arch(target: str) -> tuple[str, str]:
    parts = target.split("-")
    arch = ARCH.get(parts[0], parts[0])
    system = next((OS[p] for p in parts[1:] if p in OS), parts[-1])
    return system, arch


def asset_name(config: Config, target: str) -> str:
    """The target's asset: [build] artifact_name (with the archive's or Windows' extension),
    or the name a GitHub Actions builder's workflow gives it (its `assets`, as it is)."""
    system, arch = os_arch(target)
    named = next((b.assets[target] for b in config.builders if target in b.assets), None)
    if named is not None:
        return named.format(binary=config.build.binary, version=config.release.version,
                            target=target, os=system, arch=arch)
    name = config.build.artifact_name.format(binary=config.build.binary,
                                             version=config.release.version, target=target,
                                             os=system, arch=arch)
    if config.build.artifact == "tar.gz":
        return name + ".tar.gz"
    return name + (".exe" if system == "windows" else "")


def release_files(config: Config) -> list[str]:
    """What a release of this config carries, by name: each target's asset and its .sha256,
    then SHA256SUMS. Anything else in the dist directory (an older naming, a dropped target)
    is not part of it."""
    assets = [asset_name(config, t) for t in config.build.targets or [host_triple()]]
    return [name for a in assets for name in (a, f"{a}.sha256")] + ["SHA256SUMS"]


def dist_dir(config: Config) -> Path:
    return config.release_dist


def dist_files(config: Config) -> list[Path]:
    """The files the release of this config's version carries, those of them already in its
    dist directory (what the build made for the configured targets: never a stray file)."""
    dist = dist_dir(config)
    return [dist / name for name in release_files(config) if (dist / name).is_file()]


def log_path(journal: Path, run_id: str, target: str) -> Path:
    """A target's full build log on disk, beside the journal (the panes keep only the end)."""
    return journal.parent / "logs" / run_id / f"{target}.log"
