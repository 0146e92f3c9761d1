"""Move route types from the decorator into the handler's signature (issue 16); safe to run again and again.

    PYTHONPATH=$PWD .venv/bin/python infra/dev/convert_routes.py [files or folders…]   (default: api/)

For every `@router.<method>(path, body=X, query=Y, response=Z, …)` handler still written `async def f(ctx: Ctx):`,
it writes `async def f(ctx: Ctx, pk: int, body: X, query: Y) -> Z:`, drops the three keywords from the decorator
and rewrites `ctx.body` → `body`, `ctx.query` → `query`, `int(ctx.path["pk"])` / `ctx.path["pk"]` → `pk` inside
the handler. A handler that already has more parameters is left alone (converted, or written by hand), and so is
any piece whose new name the handler already uses for something else (that keyword then stays in the decorator,
which api/http.py still honours). Run `ruff format` on the changed files afterwards (the script prints them).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "post", "put", "patch", "delete"}
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def _is_route(dec: ast.expr) -> bool:
    return (
        isinstance(dec, ast.Call)
        and isinstance(dec.func, ast.Attribute)
        and dec.func.attr in METHODS
        and isinstance(dec.func.value, ast.Name)
        and dec.func.value.id.endswith("router")
        and bool(dec.args)
        and isinstance(dec.args[0], ast.Constant)
    )


def _offset(lines: list[str], lineno: int, col: int) -> int:
    return sum(len(ln) for ln in lines[: lineno - 1]) + len(
        lines[lineno - 1].encode()[:col].decode()
    )  # col is in UTF-8 bytes


def _span(src: str, lines: list[str], node: ast.AST) -> tuple[int, int]:
    """Character span of a keyword in the decorator, widened to swallow its comma (and its line, if it had one)."""
    start = _offset(lines, node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = _offset(lines, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    m = re.match(r"\s*,[ \t]*", src[end:])
    if m:
        end += m.end()
    line_start = src.rfind("\n", 0, start) + 1
    if src[line_start:start].strip() == "" and src[end : end + 1] == "\n":
        return line_start, end + 1  # the keyword had its own line
    if not m:  # the last keyword on a shared line: take the comma before it instead
        before = re.search(r",\s*$", src[:start])
        if before:
            start = before.start()
    return start, end


def _names_used(fn: ast.AsyncFunctionDef) -> set[str]:
    return {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {
        a.arg
        for n in ast.walk(fn)
        if isinstance(n, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef)
        for a in n.args.args
    }


def convert(src: str) -> str:
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) over the original text
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.AsyncFunctionDef) or fn.returns is not None:
            continue
        decs = [d for d in fn.decorator_list if _is_route(d)]
        if len(decs) != 1 or [a.arg for a in fn.args.args] != ["ctx"] or fn.args.vararg or fn.args.kwarg:
            continue
        dec = decs[0]
        assert isinstance(dec, ast.Call)
        path = dec.args[0].value  # type: ignore[attr-defined]
        kws = {k.arg: k for k in dec.keywords if k.arg in ("body", "query", "response")}
        used = _names_used(fn) - {"ctx"}
        body_start = _offset(lines, fn.body[0].lineno, fn.body[0].col_offset)
        body_end = _offset(lines, fn.end_lineno or fn.lineno, fn.end_col_offset or 0)
        text = src[body_start:body_end]
        params: list[str] = []
        for name, conv in PARAM.findall(path):
            if name in used or name in ("body", "query", "ctx"):
                continue
            if f'ctx.path["{name}"]' not in text and f"ctx.path['{name}']" not in text:
                continue
            params.append(f"{name}: {'int' if conv == 'int' else 'str'}")
            text = re.sub(rf"""int\(ctx\.path\[["']{name}["']\]\)""", name, text)
            text = re.sub(rf"""ctx\.path\[["']{name}["']\]""", name, text)
        drop = []
        for name in ("body", "query"):
            k = kws.get(name)
            if k is None:
                continue
            if name in used:  # `body: LoginIn = ctx.body` as the first line is the old spelling of the same thing
                alias = re.match(rf"{name}: [\w\[\], |]+ = ctx\.{name}\n[ \t]*", text)
                if not alias or len(re.findall(rf"\b{name}\b", text)) - 1 != sum(
                    1 for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name
                ):
                    continue
                text = text[alias.end() :]
            params.append(f"{name}: {ast.get_source_segment(src, k.value)}")
            text = re.sub(rf"\bctx\.{name}\b", name, text)
            drop.append(k)
        returns = ""
        k = kws.get("response")
        if k is not None:
            returns = f" -> {ast.get_source_segment(src, k.value)}"
            drop.append(k)
        if not params and not returns:
            continue
        # the header: from the name's "(" to the ":" that ends it
        head_start = _offset(lines, fn.lineno, fn.col_offset)
        m = re.compile(r"async def \w+\(\s*ctx(: Ctx)?\s*,?\s*\)\s*:").match(src, head_start)
        if not m:
            continue
        header = f"async def {fn.name}({', '.join(['ctx: Ctx', *params])}){returns}:"
        edits.append((head_start, m.end(), header))
        edits.append((body_start, body_end, text))
        for k in drop:
            edits.append((*_span(src, lines, k), ""))
    for start, end, new in sorted(edits, reverse=True):
        src = src[:start] + new + src[end:]
    return src


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [ROOT / "api"]
    files = [f for t in targets for f in (sorted(t.rglob("*.py")) if t.is_dir() else [t])]
    changed = []
    for f in files:
        src = f.read_text()
        if "router." not in src:
            continue
        new = convert(src)
        if new != src:
            compile(new, str(f), "exec")  # never write a file that no longer parses
            f.write_text(new)
            changed.append(str(f))
    print("\n".join(changed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
