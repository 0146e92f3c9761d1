"""Errors as data: every refusal the API can send has a stable, specific code, and every code has its Japanese and
English text in one catalogue (api/data/error_codes.csv) that the PWA is built from. Parsing api/ with `ast` finds the
codes; the catalogue and the raises must agree both ways."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

from api import error_codes
from tests.api.helpers import auth, register_business

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "api"
APP_ERRORS = {
    "AppError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PayloadTooLarge",
    "Unprocessable",
    "TooManyRequests",
}
# Errors of the pure layers that api/error_handlers.py (or the route that catches them) renders with their first argument as
# the code: the 経審/levels/reports/tariff engines, the face engine and the 全銀 reader.
CODED_ERRORS = {"DomainError", "LevelsError", "KeishinError", "TariffError", "ReportError", "FaceError", "ZenginError"}
# Generic codes: only the framework's handlers send them (request-schema validation, paths no route serves). A raise
# in our code names what went wrong instead.
GENERIC = {
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "validation_error",
    "payload_too_large",
    "too_many_requests",
    "http_error",
    "invalid",
    "error",
}


def _sources():
    for path in sorted(API.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Attribute) and f.attr == "field" and isinstance(f.value, ast.Name):
        return f.value.id  # Unprocessable.field(...)
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _patterns(node: ast.expr) -> list[str] | None:
    """A literal code as an exact pattern; an f-string code (f"unknown_{kind}_code") as a pattern of its parts; both
    arms of `a if c else b`. None for a code passed on from elsewhere (`exc.code`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [re.escape(node.value)]
    if isinstance(node, ast.JoinedStr):
        return ["".join(re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9_]+" for v in node.values)]
    if isinstance(node, ast.IfExp):
        body, orelse = _patterns(node.body), _patterns(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _validation_fields_call(call: ast.Call) -> bool:
    fields = next((k.value for k in call.keywords if k.arg == "fields"), None)
    return fields is not None and "validation_fields(" in ast.unparse(fields)


def raised_codes() -> tuple[dict[str, list[str]], list[str]]:
    """Each code pattern with where it is raised, and the raises that break the rules."""
    found: dict[str, list[str]] = {}
    problems: list[str] = []
    for path, tree in _sources():
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name, where = _name(node), f"{rel}:{node.lineno}"
            code: ast.expr | None = None
            if name in APP_ERRORS or (name == "__init__" and "super()" in ast.unparse(node.func)):
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                if code is None:
                    if name != "__init__":
                        problems.append(f"{where}: {name}(...) without code=")
                    continue
            elif name in CODED_ERRORS and node.args:
                code = node.args[0]
            elif name == "ItemError":
                code = next((k.value for k in node.keywords if k.arg == "error"), None)
            if code is None:
                continue
            patterns = _patterns(code)
            if patterns is None:
                if name in APP_ERRORS and not (isinstance(code, ast.Attribute) and code.attr in ("code", "error")):
                    problems.append(f"{where}: {name}(code={ast.unparse(code)}) is not a literal code")
                continue  # passed on from an error above (exc.code): that raise is checked where it is made
            for pattern in patterns:
                if pattern in GENERIC and not (pattern == "validation_error" and _validation_fields_call(node)):
                    problems.append(f"{where}: generic code {pattern!r}; name what went wrong")
                found.setdefault(pattern, []).append(where)
    # The face engine's codes are constants (api/face/errors.py) passed by name.
    from api.face import errors as face_errors

    for code in face_errors.CODES:
        found.setdefault(re.escape(code), []).append("api/face/errors.py")
    # The framework's own codes, sent by the handlers in api/error_handlers.py.
    for code in error_codes.FRAMEWORK:
        found.setdefault(re.escape(code), []).append("api/error_handlers.py")
    return found, problems


def test_every_raise_names_a_specific_code():
    _, problems = raised_codes()
    assert not problems, "\n".join(problems)


def test_catalogue_and_raises_agree():
    found, _ = raised_codes()
    catalogue = error_codes.catalogue()
    missing = [
        f"{p} (raised at {', '.join(w[:3])})"
        for p, w in found.items()
        if not any(re.fullmatch(p, c) for c in catalogue)
    ]
    assert not missing, "codes raised but not in api/data/error_codes.csv:\n" + "\n".join(sorted(missing))
    unused = [c for c in catalogue if not any(re.fullmatch(p, c) for p in found)]
    assert not unused, f"codes in api/data/error_codes.csv that nothing raises: {sorted(unused)}"


def test_catalogue_rows_are_complete():
    with (API / "data" / "error_codes.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ["code", "status", "ja", "en"]
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)), "a code is listed twice"
    for r in rows:
        assert None not in r, f"an unquoted comma makes a cell too many: {r}"  # the PWA build's parser refuses it
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r["code"]), r
        assert r["status"].isdigit() and 400 <= int(r["status"]) <= 599, r
        assert r["ja"].strip() and r["en"].strip(), r
        # The Japanese text is Japanese: no English sentence slipped into the ja column.
        assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", r["ja"]), r


def test_field_error_catalogue_is_complete():
    with (API / "data" / "field_errors.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ["type", "ja", "en"]
    types = [r["type"] for r in rows]
    assert len(types) == len(set(types))
    for r in rows:
        assert None not in r, f"an unquoted comma makes a cell too many: {r}"
        assert r["ja"].strip() and r["en"].strip(), r
        # Placeholders name pydantic ctx keys and are the same in both languages.
        assert set(re.findall(r"{(\w+)}", r["ja"])) == set(re.findall(r"{(\w+)}", r["en"])), r


def test_every_custom_field_error_type_has_text():
    """Validators raise `invalid("type", ...)` (api/common.py) so clients word field messages by type."""
    with (API / "data" / "field_errors.csv").open(encoding="utf-8", newline="") as f:
        known = {r["type"] for r in csv.DictReader(f)}
    used = {}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _name(node) == "invalid"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                used.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and _name(node.exc) == "ValueError"
                and "schemas" in path.name
            ):
                raise AssertionError(f"{path}:{node.lineno}: raise invalid(type, message) in a schema, not ValueError")
    missing = {t: w for t, w in used.items() if t not in known}
    assert not missing, f"field error types without text in api/data/field_errors.csv: {missing}"


async def test_validation_fields_carry_pydantic_type_and_ctx(client):
    r = await client.post("/api/v1/technicians", json={"family_name": "x" * 101})
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    fields = {f["field"]: f for f in r.json()["fields"]}
    assert fields["family_name"]["type"] == "string_too_long" and fields["family_name"]["ctx"] == {"max_length": 100}
    assert fields["birth_date"]["type"] == "missing" and "ctx" not in fields["birth_date"]


async def test_openapi_lists_every_code(client):
    doc = (await client.get("/api/v1/openapi.json")).json()
    schema = doc["components"]["schemas"]["ErrorOut"]
    assert set(schema["properties"]["error"]["enum"]) == set(error_codes.catalogue())
    assert schema["x-error-codes"]["not_own_business"] == {
        "status": 403,
        "description": "You can only manage your own business.",
        "ja": "自社の事業者情報だけを管理できます。",
    }


async def test_refusals_name_what_went_wrong(client):
    a = await register_business(client)
    b = await register_business(client)
    r = await client.get(f"/api/v1/businesses/{b['business']['id']}", headers=auth(a["token"]))
    assert (r.status_code, r.json()["error"]) == (403, "not_own_business")
    r = await client.get("/api/v1/businesses/99999999", headers=auth(a["token"]))
    assert (r.status_code, r.json()["error"]) == (404, "business_not_found")
    r = await client.get("/api/v1/businesses/1")
    assert (r.status_code, r.json()["error"]) == (401, "login_required")
