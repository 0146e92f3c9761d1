"""Give cards and stored images their own homes, and cut the imports that closed cycles between domains (issue 16):
move modules, definitions and data files, rewrite every import.

    PYTHONPATH=$PWD .venv/bin/python infra/dev/move_modules.py      then: .venv/bin/ruff check --fix . && ruff format .

Safe to run again and again, and meant to be: after merging a branch written against the old layout, run it once
more and it rewrites that branch's imports too (the moves themselves are then already done and skipped).

* MODULES: a whole module moves (`git mv`); every dotted name (`api.registration.cards`), file path
  (`api/registration/cards.py`) and `from api.registration import cards` in the tree is rewritten.
* SYMBOLS: top-level definitions (classes, functions, constants, with their decorators and comments above them)
  move from one module to another; every `from old import a, Moved, b` is split into the two modules. The new
  module gets the header listed here (its own imports); unused imports left behind are for `ruff check --fix`.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MODULES = {
    "api.registration.cards": "api.cards.service",
    "api.registration.card_keys": "api.cards.keys",
    "api.registration.card_profile": "api.cards.profile",
    "api.registration.rekey": "api.cards.rekey",
    "api.registration.cards_cli": "api.cards.cli",
    "api.images": "api.media.images",
    "api.reports.pdf": "api.pdf",  # the PDF building blocks reports, invoices and 経審 share: not a report
    # The fee schedule is read by businesses (the registration fee it shows), registration (an application's quote),
    # kpi and billing: a pure engine of its own, below all of them. An application's quote belongs to registration.
    "api.billing.tariffs": "api.fees.tariffs",
    "api.billing.fees": "api.registration.fees",
}

# Package data that follows its module (old path, new path).
DATA = {"api/billing/data/tariffs.csv": "api/fees/data/tariffs.csv"}

# (old module, names, new module): the names' top-level definitions move, in this order, to the end of the new one.
SYMBOLS: list[tuple[str, list[str], str]] = [
    ("api.registration.models", ["CardStatus", "Card"], "api.cards.models"),
    ("api.devices.models", ["Revocation"], "api.cards.models"),
    ("api.devices.schemas", ["RevocationsQuery", "RevocationsOut", "RevokeCardIn"], "api.cards.schemas"),
    # Cards sits above registration (its routes need the technician's access rules): the record's card and the
    # registration's term stay with registration, and the card operations' schemas join cards.
    ("api.cards.schemas", ["CardOut"], "api.registration.schemas"),
    (
        "api.cards.service",
        ["_anniversary", "age_on", "first_birthday_after", "card_valid_until"],
        "api.registration.renewal",
    ),
    ("api.registration.schemas", ["PersonalisationOut"], "api.cards.schemas"),
    ("api.billing.schemas", ["ReissueIn", "ReissueOut"], "api.cards.schemas"),
    (
        "api.devices.service",
        ["revocations_version", "revocations_since", "revoke_serial", "revoke_card"],
        "api.cards.revocation",
    ),
    ("api.registration.models", ["ImageKind", "StoredImage"], "api.media.models"),
    ("api.registration.service", ["IMAGE_SIDES", "ImageCheck"], "api.media.service"),
    ("api.face.service", ["FACE_KINDS", "request_enrolment"], "api.media.service"),
    # Evidence a change application creates on approval, read by 経審 and the level engine: it belongs to the
    # registration that writes it, so registration needs neither of them.
    ("api.keishin.models", ["KaitaiEvidence"], "api.registration.models"),
    ("api.levels.models", ["PriorExperience"], "api.registration.models"),
    # Cuts of the domain cycles. Month arithmetic is not billing's: registration's renewal window needs it too.
    ("api.billing.periods", ["add_months"], "api.timeutil"),
    # Storing or releasing taps marks their days for the fold, in the same transaction: attendance writes the marks,
    # workrecords reads them, so attendance needs nothing of workrecords.
    ("api.workrecords.service", ["mark_dirty"], "api.attendance.dirty"),
    # Releasing a business's pending taps refolds their days: a work-record job.
    ("api.attendance.jobs", ["release_pending_taps", "_release"], "api.workrecords.jobs"),
    # An invoice as its payer reads it shows the payments set against it: payments sits above billing.
    ("api.billing.invoices", ["detail"], "api.payments.statement"),
    # The close's advisory lock is also taken by the fold when it moves charges: a shared key, not a billing import.
    ("api.billing.close", ["CLOSE_LOCK_KEY"], "api.db"),
]

# The opening of a module the SYMBOLS create (its docstring and the imports the moved code needs).
HEADERS = {
    "api.cards.models": '''"""Cards and the revocation list readers download (docs/card-profile.md)."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model
''',
    "api.cards.schemas": '''"""Request and response models of the card operations."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.common import Strict
''',
    "api.cards.revocation": '''"""Revoking cards and the revocation list readers fetch: a card revoked once (conditional update), the list
versioned by the revocation's id so a reader asks only for what is new."""

from __future__ import annotations

from api.accounts.models import Account, Role
from api.audit import service as audit
from api.cards.models import Card, CardStatus, Revocation
from api.cards.schemas import RevocationsOut
from api.cards.service import is_card_serial
from api.errors import Conflict, NotFound
''',
    "api.media.models": '''"""Stored images: normalised, encrypted at rest, owned by a technician (face photo, identity document,
certificate, extra face photos)."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model
''',
    "api.media.service": '''"""Stored images apart from who they belong to: their sizes, the check a new one passes, and what a new face
photo sets off (the face enrolment job, deferred by name so this module needs nothing of the face engine)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from api import db
from api.media.models import ImageKind, StoredImage
''',
    "api.attendance.dirty": '''"""The (site, work day) marks the fold redoes (table `fold_dirty`): set in the transaction that stores or releases
taps, read by api/workrecords/service.fold_dirty."""

from __future__ import annotations

from api import sql
''',
    "api.payments.statement": '''"""An invoice as its payer reads it: its lines, credit notes, and the payments set against it."""

from __future__ import annotations

from api.billing.invoices import credit_note_out, invoice_out
from api.billing.models import CreditNote, Invoice, InvoiceLine
from api.billing.schemas import AllocationOut, InvoiceDetailOut, InvoiceLineOut, OnlinePaymentOut
from api.payments.models import OnlinePayment, PaymentAllocation
from api.settings import Settings
from api.sites.models import Site
''',
}
PACKAGES = {
    "api.cards": '"""Cards: issue, personalise, reissue, revoke, the revocation list and tap-time verification."""\n',
    "api.media": '"""Stored images (normalised and encrypted photos and documents) and their validation."""\n',
    "api.fees": '"""The CCUS fee schedule (料金表): the effective-dated tariff table and its lookups. A pure engine with its '
    'package data, below every domain that charges or shows a fee (businesses, registration, billing, kpi)."""\n',
    "api.fees.data": '"""Package data: the effective-dated tariff table (tariffs.csv)."""\n',
}

# Edits after the moves (module, old text, new text), each applied once: a moved definition that would otherwise
# import back the domain it left (a type annotation only), or needs a name under a new spelling.
FIXUPS: list[tuple[str, str, str]] = [
    ("api.pdf", "from api.reports.errors import ReportError\n", "from api.domain_errors import DomainError\n"),
    ("api.pdf", "    raise ReportError(\n", "    raise DomainError(\n"),
    ("api.cards.models", "fields.ForeignKeyRelation[Technician] = ", "fields.ForeignKeyRelation = "),
    ("api.cards.service", "from api.registration.models import Technician\n", ""),
    ("api.cards.service", "from datetime import date\n", "from datetime import date\nfrom typing import Protocol\n"),
    ("api.cards.service", "*, technician: Technician, issued_on", "*, technician: CardHolder, issued_on"),
    (
        "api.cards.service",
        "\n\nasync def issue_card(",
        '''

class CardHolder(Protocol):
    """What issuing a card reads of its technician (api.registration.models.Technician), without importing it."""

    @property
    def birth_date(self) -> date: ...

    @property
    def has_identity_document(self) -> bool: ...


async def issue_card(''',
    ),
    # the enrolment request reads only the technician's id and consent: no import of the registration domain
    (
        "api.media.service",
        "async def request_enrolment(*, tech: Technician)",
        "async def request_enrolment(*, tech: Any)",
    ),
    ("api.fees.tariffs", 'resources.files("api.billing.data")', 'resources.files("api.fees.data")'),
    (
        "api.billing.data.__init__",
        "the effective-dated tariff table (tariffs.csv)",
        "the lump-sum bands (lump_sum_bands.csv); the tariff table is api/fees/data",
    ),
    ("api.timeutil", "from datetime import date, datetime\n", "import calendar\nfrom datetime import date, datetime\n"),
]

TEXT_SUFFIXES = {".py", ".md", ".toml", ".sh", ".cfg", ".ini", ".txt", ".yml", ".yaml", ".json", ".ts", ".mjs"}
SKIP_DIRS = {".git", ".venv", "node_modules", "dist", "__pycache__", ".mypy_cache", ".ruff_cache", "infra/dev"}


def path_of(module: str) -> Path:
    return ROOT / (module.replace(".", "/") + ".py")


def files() -> list[Path]:
    out = []
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT).as_posix()
        if any(part in SKIP_DIRS for part in p.relative_to(ROOT).parts) or rel.startswith("infra/dev/"):
            continue
        if p.is_file() and p.suffix in TEXT_SUFFIXES and "contract/api.d.ts" not in rel:
            out.append(p)
    return out


def ensure_package(module: str) -> None:
    pkg = module.rsplit(".", 1)[0]
    init = path_of(pkg).with_suffix("") / "__init__.py"
    if not init.exists():
        init.parent.mkdir(parents=True, exist_ok=True)
        init.write_text(PACKAGES.get(pkg, ""))
        subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)


def move_data() -> None:
    for old, new in DATA.items():
        src, dst = ROOT / old, ROOT / new
        if src.exists() and not dst.exists():
            ensure_package(new.removesuffix(".csv").replace("/", "."))
            subprocess.run(["git", "mv", str(src), str(dst)], cwd=ROOT, check=True)
            print(f"moved {old} -> {new}")


def move_modules() -> None:
    for old, new in MODULES.items():
        src, dst = path_of(old), path_of(new)
        if src.exists() and not dst.exists():
            ensure_package(new)
            subprocess.run(["git", "mv", str(src), str(dst)], cwd=ROOT, check=True)
            print(f"moved {old} -> {new}")


def _definitions(tree: ast.Module, names: list[str]) -> dict[str, tuple[int, int]]:
    """Line spans (0-based, end exclusive) of the top-level definitions of `names`, decorators and comments above
    them included."""
    spans = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            name = node.name
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
        else:
            continue
        if name in names:
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
            spans[name] = (start, node.end_lineno or node.lineno)
    return spans


def move_symbols() -> None:
    for old, names, new in SYMBOLS:
        src = path_of(old)
        if not src.exists():
            continue  # the old module is gone (moved whole, or emptied and deleted): nothing left to move
        lines = src.read_text().splitlines(keepends=True)
        spans = _definitions(ast.parse("".join(lines)), names)
        if not spans:
            continue  # moved already
        dst = path_of(new)
        if not dst.exists():
            ensure_package(new)
            dst.write_text(HEADERS[new])
            subprocess.run(["git", "add", str(dst)], cwd=ROOT, check=True)
        moved = []
        for name in names:
            if name not in spans:
                continue
            start, end = spans[name]
            while start > 0 and lines[start - 1].lstrip().startswith("#"):  # the comment that explains it
                start -= 1
            moved.append("".join(lines[start:end]))
            for i in range(start, end):
                lines[i] = ""
        left = "".join(lines)
        still_used = [n for n in spans if re.search(rf"(?<![\w.]){n}\b", left)]
        if still_used:  # the old module still calls what moved: import it from its new home
            left = _add_import(left, f"from {new} import {', '.join(still_used)}")
        src.write_text(left)
        text = dst.read_text().rstrip("\n")
        dst.write_text(text + "\n\n\n" + "\n\n\n".join(m.strip("\n") for m in moved) + "\n")
        # the moved code may use what stayed behind (or moved earlier): import it from there
        _import_leftovers(old, new)
        print(f"moved {', '.join(spans)}: {old} -> {new}")


def _import_leftovers(old: str, new: str) -> None:
    """Names the new module uses but defines nowhere, that the old module defines at top level: import them."""
    dst = path_of(new)
    tree = ast.parse(dst.read_text())
    defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    old_tree = ast.parse(path_of(old).read_text())
    old_defs = set(_definitions(old_tree, list(used - defined)))
    if old_defs:
        text = dst.read_text()
        anchor = text.index("\n\n\n")
        dst.write_text(text[:anchor] + f"\nfrom {old} import {', '.join(sorted(old_defs))}" + text[anchor:])


def _add_import(text: str, line: str) -> str:
    """Add a top-level import after the module's last top-level import (ruff --fix sorts it)."""
    tree = ast.parse(text)
    last = max((n.end_lineno or n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)), default=0)
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:last], line + "\n", *lines[last:]])


def _module_attributes(text: str, old: str, moved: dict[str, str]) -> str:
    """`service.revoke_card(…)` where `service` is `from api.devices import service`: call the moved name directly."""
    pkg, mod = old.rsplit(".", 1)
    m = re.search(rf"^from {re.escape(pkg)} import {mod}(?: as (\w+))?$", text, flags=re.M)
    if not m:
        return text
    alias = m.group(1) or mod
    for name, new in sorted(set(moved.items())):
        if not re.search(rf"(?<![\w.]){alias}\.{name}\b", text):
            continue
        npkg, nmod = new.rsplit(".", 1)
        have = re.search(rf"^from {re.escape(npkg)} import {nmod}(?: as (\w+))?$", text, flags=re.M)
        if have:
            short = have.group(1) or nmod
        else:  # another `nmod` in this file: name the module after its package too
            short = f"{npkg.rsplit('.', 1)[1]}_{nmod}" if re.search(rf"(?<![\w.]){nmod}\b", text) else nmod
            text = _add_import(text, f"from {npkg} import {nmod}" + (f" as {short}" if short != nmod else ""))
        text = re.sub(rf"(?<![\w.]){alias}\.{name}\b", f"{short}.{name}", text)
    return text


def _split_import(match: re.Match[str], old: str, moved: dict[str, str]) -> str:
    indent, names_src = match.group(1), match.group(2)
    names = [n.strip() for n in names_src.strip("()").replace("\n", " ").split(",") if n.strip()]
    stay, go = [], {}
    for n in names:
        base = n.split(" as ")[0].strip()
        if base in moved:
            go.setdefault(moved[base], []).append(n)
        else:
            stay.append(n)
    if not go:
        return match.group(0)
    out = [f"{indent}from {old} import {', '.join(stay)}"] if stay else []
    out += [f"{indent}from {mod} import {', '.join(ns)}" for mod, ns in go.items()]
    return "\n".join(out)


def _split_module_import(match: re.Match[str], pkg: str, name: str, npkg: str, alias: str) -> str:
    indent, names = match.group(1), [n.strip() for n in match.group(2).split(",")]
    if name not in names or len(names) == 1:
        return match.group(0)
    rest = [n for n in names if n != name]
    return f"{indent}from {pkg} import {', '.join(rest)}\n{indent}from {npkg} import {alias or name}"


def rewrite(path: Path) -> bool:
    text = path.read_text()
    new = text
    for old, mod in MODULES.items():
        new = re.sub(rf"(?<![\w.]){re.escape(old)}(?!\w)", mod, new)
        new = re.sub(rf"(?<![\w/]){re.escape(old.replace('.', '/'))}\.py\b", mod.replace(".", "/") + ".py", new)
        # `from api.registration import cards` (alone on its line) → `from api.cards import service as cards`
        pkg, name = old.rsplit(".", 1)
        npkg, nname = mod.rsplit(".", 1)
        alias = "" if name == nname else f"{nname} as {name}"
        new = re.sub(
            rf"^(\s*)from {re.escape(pkg)} import {name}$",
            lambda m, npkg=npkg, alias=alias, name=name: f"{m.group(1)}from {npkg} import {alias or name}",
            new,
            flags=re.M,
        )
        # … and `from api.billing import events, tariffs` (among others): split it out the same way
        new = re.sub(
            rf"^([ \t]*)from {re.escape(pkg)} import ([^\n(]*\b{name}\b[^\n]*)$",
            lambda m, pkg=pkg, npkg=npkg, alias=alias, name=name: _split_module_import(m, pkg, name, npkg, alias),
            new,
            flags=re.M,
        )
    for old, mod in DATA.items():
        new = re.sub(rf"(?<![\w/]){re.escape(old)}\b", mod, new)
    if path.suffix == ".py":
        by_old: dict[str, dict[str, str]] = {}
        for old, names, mod in SYMBOLS:
            for n in names:
                by_old.setdefault(old, {})[n] = mod
        for old, moved in by_old.items():
            if path == path_of(old):
                continue
            pattern = rf"^([ \t]*)from {re.escape(old)} import (\([^)]*\)|[^\n]+)"
            new = re.sub(pattern, lambda m, old=old, moved=moved: _split_import(m, old, moved), new, flags=re.M)
            new = _module_attributes(new, old, moved)
    if new != text:
        path.write_text(new)
        return True
    return False


def fixups() -> None:
    for module, old, new in FIXUPS:
        p = path_of(module)
        text = p.read_text()
        if old in text and new not in text:  # each applies once: a run after a merge finds it done
            p.write_text(text.replace(old, new, 1))


def main() -> int:
    move_modules()
    move_data()
    move_symbols()
    fixups()
    changed = [str(p.relative_to(ROOT)) for p in files() if rewrite(p)]
    print("\n".join(f"rewrote {c}" for c in changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
