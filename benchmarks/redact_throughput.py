"""Redaction alone, on batches of build output as the journal gets them (500 lines joined).

The log pipeline (log_pipeline.py) measures redaction with everything else around it, on a
shared machine often too noisy to see it; this isolates it. With --against DIR it measures the
`cockpit/redact.py` of another checkout too, alternating with this one's, and prints both.
Cases: no known secret and no "z" (the cheapest), a "z" every 25 lines (the Authorization
check looks around each), a "z" on every line, and a GITHUB_TOKEN and two webhook URLs known
(their plain, URL-encoded and base64 forms are looked for).

Run: .venv/bin/python benchmarks/redact_throughput.py [--against /path/to/other/checkout]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import timeit
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
LINE = "   Compiling crate-%d v1.0.%d (/home/builder/src/crates/crate-%d) [release] warning: unused"
KNOWN = {"GITHUB_TOKEN": "ghs_" + "Kq7dZ0pLm3" * 3 + "Xy9w1V"}
WEBHOOKS = ["https://discord.com/api/webhooks/112233445566778899/AbC-dEf_123456789xyz",
            "https://hooks.slack.com/services/T00000000/B11111111/XXXXXXXXXXXXXXXXXXXXXXXX"]


def load(root: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, root / "cockpit" / "redact.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def batches(z_every: int) -> list[list[str]]:
    return [[LINE % (i, i % 97, i) + (" lazy_static" if z_every and i % z_every == 0 else "")
             for i in range(b * 500, b * 500 + 500)] for b in range(40)]


def rate(module: ModuleType, data: list[list[str]]) -> float:
    redact_value: Any = module.redact_value
    best = min(timeit.repeat(lambda: [redact_value(b) for b in data], number=1, repeat=5))
    return sum(len(b) for b in data) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    modules = {"this": load(HERE.parent, "redact_this")}
    if args.against:
        modules["other"] = load(args.against, "redact_other")
    cases = [("no z, nothing known", 0, False), ("z every 25 lines", 25, False),
             ("z on every line", 1, False), ("token + 2 webhooks known", 0, True)]
    for label, z_every, known in cases:
        data = batches(z_every)
        best: dict[str, float] = {}
        saved = {k: os.environ.get(k) for k in KNOWN}
        if known:
            os.environ.update(KNOWN)
            for module in modules.values():
                for url in WEBHOOKS:
                    module.register_secret(url)
        for _ in range(args.rounds):  # alternating: a machine that slows down slows both
            for name, module in modules.items():
                best[name] = max(best.get(name, 0.0), rate(module, data))
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
        for module in modules.values():
            module._extra = type(module._extra)()  # a set in older checkouts
        print(f"{label:26} " + "   ".join(f"{name}: {r / 1e6:5.2f}M lines/s" for name, r in best.items()))


if __name__ == "__main__":
    main()
