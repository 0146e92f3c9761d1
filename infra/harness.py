"""The development harness: lint, format, types and import structure, each held by a ratchet.

    .venv/bin/python infra/harness.py            check (CI runs this from infra/test.sh before the tests)
    .venv/bin/python infra/harness.py --update   write lower counts into infra/ratchet.json after a clean-up

Each figure is counted over the whole tree and compared with infra/ratchet.json: a count above the committed one fails
(a new lint error, an unformatted file, a new type error); a count below it asks you to lower the ratchet
(`--update`), so the committed numbers only go down, towards zero. Two rules are not ratcheted: they hold now and must
keep holding — the import contracts in pyproject.toml ([tool.importlinter]: layers inside each domain, edge_reader
never imports api, only api.queue and workers import arq, services never import the web layer), and no cycle between
domains (any import of api.<a> by api.<b> with a path back, function-local imports included: a lower domain that must
set something off above it declares a hook, api/hooks.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATCHET = ROOT / "infra" / "ratchet.json"
BIN = Path(sys.executable).parent
TYPED = ["api", "workers", "edge_reader"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def ruff_lint() -> tuple[int, str]:
    out = _run(str(BIN / "ruff"), "check", "--output-format", "concise", "--quiet", ".")
    lines = [ln for ln in out.stdout.splitlines() if re.match(r"^\S+:\d+:\d+: ", ln)]
    return len(lines), "\n".join(lines[:40])


def ruff_format() -> tuple[int, str]:
    out = _run(str(BIN / "ruff"), "format", "--check", "--output-format", "concise", ".")
    lines = [ln for ln in out.stdout.splitlines() if ": unformatted: " in ln]
    return len(lines), "\n".join(lines[:40])


def mypy() -> tuple[int, str]:
    out = _run(str(BIN / "mypy"), *TYPED)
    lines = [ln for ln in out.stdout.splitlines() if ": error: " in ln]
    return len(lines), "\n".join(lines[:40])


def domain_cycles() -> tuple[int, str]:
    """Imports between domain packages (api.<domain>) that lie on a cycle: their number, and the cycle's members.

    Counted on the package graph (any module of A importing any module of B is one edge A→B), so moving an import
    into a function does not hide it."""
    import grimp

    sys.path.insert(0, str(ROOT))  # this tree's api, whatever the interpreter would find first
    graph = grimp.build_graph("api")
    domains = sorted(m for m in graph.find_children("api") if graph.find_children(m) and m != "api.migrations")
    edges = {
        (a, b)
        for a, b in itertools.permutations(domains, 2)
        if graph.direct_import_exists(importer=a, imported=b, as_packages=True)
    }
    reach = {d: {b for a, b in edges if a == d} for d in domains}
    changed = True
    while changed:  # transitive closure; 19 domains, so a few passes
        changed = False
        for d in domains:
            more = set().union(*(reach[x] for x in reach[d])) - reach[d] if reach[d] else set()
            if more:
                reach[d] |= more
                changed = True
    cyclic = sorted((a, b) for a, b in edges if a in reach[b])
    return len(cyclic), "\n".join(f"{a} -> {b}" for a, b in cyclic)


def import_contracts() -> tuple[bool, str]:
    out = _run(str(BIN / "lint-imports"), "--no-cache")
    return out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


CHECKS = {"ruff": ruff_lint, "format": ruff_format, "mypy": mypy}
HOW = {
    "ruff": ".venv/bin/ruff check .",
    "format": ".venv/bin/ruff format .",
    "mypy": ".venv/bin/mypy",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="lower infra/ratchet.json to the current counts")
    args = parser.parse_args()
    limits: dict[str, int] = json.loads(RATCHET.read_text())
    failed = False
    counts: dict[str, int] = {}
    for name, check in CHECKS.items():
        count, detail = check()
        counts[name] = count
        limit = limits.get(name, 0)
        if count > limit:
            failed = True
            print(f"harness: {name}: {count} > ratchet {limit} — fix what you added ({HOW[name]}):\n{detail}\n")
        elif count < limit:
            print(f"harness: {name}: {count} < ratchet {limit} — well done; lower it with infra/harness.py --update")
        else:
            print(f"harness: {name}: {count} (ratchet {limit})")
    cycles, detail = domain_cycles()
    if cycles:
        failed = True
        print(
            f"harness: {cycles} import(s) between domains lie on a cycle — move the shared concept to the domain that"
            f" owns it, or let the lower domain call a hook (api/hooks.py):\n{detail}\n"
        )
    else:
        print("harness: no cycle between domains")
    ok, detail = import_contracts()
    if not ok:
        failed = True
        print(f"harness: import contracts broken (.venv/bin/lint-imports):\n{detail}")
    else:
        print("harness: import contracts kept")
    if args.update and not failed:
        RATCHET.write_text(json.dumps({k: min(v, limits.get(k, v)) for k, v in counts.items()}, indent=2) + "\n")
        print(f"harness: wrote {RATCHET.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
