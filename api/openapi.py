"""OpenAPI 3.1 from the endpoint declarations and their pydantic models, plus the interactive docs page."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from api.http import Endpoint

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


class ErrorField(BaseModel):
    field: str
    message: str = Field(description="English, for developers; word it for users from `type` and `ctx`")
    type: str | None = Field(
        default=None,
        description="pydantic's error type (`missing`, `string_too_long`…), "
        "one of ours (api/data/field_errors.csv) or the error code of a field refusal",
    )
    ctx: dict[str, str | int | float | bool | None] | None = Field(
        default=None,
        description="the values the message quotes, by placeholder (`max_length`…): numbers, text (a number "
        "JavaScript cannot hold exactly, or any other value, as its text), booleans (api/errors.py `_plain`)",
    )


class ErrorOut(BaseModel):
    error: str = Field(description="a stable code from the catalogue (see x-error-codes): translate by it")
    message: str = Field(description="English, for developers and logs")
    fields: list[ErrorField]


_ERROR_TEXT = {
    400: "Malformed request",
    401: "Not logged in",
    403: "Not allowed for this role",
    404: "Not found",
    409: "Conflicts with existing data",
    413: "Too large",
    422: "Validation failed",
    429: "Too many requests",
}


def _model_of(tp: Any) -> tuple[type[BaseModel] | None, bool]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp, False
    if typing.get_origin(tp) is list:
        inner = typing.get_args(tp)[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner, True
    return None, False


def _file_schema(media_type: str) -> dict[str, Any]:
    """A response that is not a JSON model: text (CSV) or bytes (PDF, JPEG)."""
    return {"type": "string"} if media_type.startswith("text/") else {"type": "string", "format": "binary"}


def build_openapi(endpoints: list[Endpoint], *, version: str) -> dict[str, Any]:
    inputs = {ep.body for ep in endpoints if ep.body is not None}
    outputs = {m for ep in endpoints if (m := _model_of(ep.response)[0]) is not None} | {ErrorOut}
    keys = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    refs, defs = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    extra_defs: dict[str, Any] = {}
    raisable = Raisable()
    for ep in endpoints:
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", ep.path)
        op: dict[str, Any] = {
            "summary": ep.summary,
            "tags": ep.tags,
            "operationId": ep.operation_id or f"{ep.handler.__module__.split('.')[-2]}_{ep.handler.__name__}",
            "parameters": _parameters(ep),
            "responses": {},
        }
        if ep.roles is not None:
            op["security"] = [{"bearer": []}]
            op["description"] = "Roles: " + (", ".join(sorted(r.value for r in ep.roles)) or "any logged-in account")
        if ep.uploads or ep.optional_uploads:
            props: dict[str, Any] = {
                name: {"type": "string", "format": "binary"} for name in ep.uploads + ep.optional_uploads
            }
            required = list(ep.uploads)
            if ep.body is not None:
                schema = ep.body.model_json_schema(ref_template="#/components/schemas/{model}")
                extra_defs.update(schema.pop("$defs", {}))  # a JSON part's model (`data`) lives in the components
                props.update(schema["properties"])
                required += schema.get("required", [])
            op["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": props, "required": required}}
                },
            }
        elif ep.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(ep.body, "validation")]}},
            }
        model, many = _model_of(ep.response)
        if model is not None:
            schema = refs[(model, "serialization")]
            op["responses"][str(ep.status)] = {
                "description": "OK",
                "content": {
                    "application/json": {"schema": {"type": "array", "items": schema} if many else schema},
                    **{m: {"schema": _file_schema(m)} for m in ep.media if m != "application/json"},
                },
            }
        elif ep.status == 204:
            op["responses"]["204"] = {"description": "Done"}
        else:
            assert ep.media, f"{ep.method} {ep.path}: declare the response model (return annotation) or media="
            assert "application/json" not in ep.media, f"{ep.method} {ep.path}: JSON is answered by a model"
            op["responses"][str(ep.status)] = {
                "description": "OK",
                "content": {m: {"schema": _file_schema(m)} for m in ep.media},
            }
        codes = set(ep.errors)
        if ep.roles is not None:
            codes |= {401, 403}
        if ep.body is not None or ep.query is not None or ep.uploads or ep.optional_uploads:
            codes |= {400, 422}  # a malformed request, or one its model (or a missing file) refuses
        if _PARAM.search(ep.path):
            codes |= {404}  # an id that names nothing (or a path segment that is no id)
        reachable = raisable.of(ep.handler.__module__)
        for code in sorted(codes):
            op["responses"][str(code)] = {
                "description": _ERROR_TEXT.get(code, "Error"),
                "content": {"application/json": {"schema": refs[(ErrorOut, "serialization")]}},
                # The codes this operation may answer with this status: those raised in the code its handler can
                # reach (api.openapi.Raisable), a superset — ErrorOut's x-error-codes has every code's text.
                "x-error-codes": sorted(c for c in reachable if raisable.status[c] == code),
            }
        paths.setdefault(path, {})[ep.method.lower()] = op
    _document_codes(defs.get("$defs", {}).get("ErrorOut"))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OpenCCUS API",
            "version": version,
            "description": "Construction Career Up System (建設キャリアアップシステム), open source. "
            "Errors are JSON: {error, message, fields}.",
        },
        "paths": paths,
        "components": {
            "schemas": {**extra_defs, **defs.get("$defs", {})},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def document_text() -> str:
    """The document as the service serves it, as stable text: what `openccus openapi` writes and the PWA's generated
    API types (pwa/src/contract/api.d.ts) are made from."""
    import json

    from api.app import app_version, routers

    doc = build_openapi([ep for r in routers() for ep in r.endpoints], version=app_version())
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _document_codes(schema: dict[str, Any] | None) -> None:
    """The Error schema lists every code with its status and text (api/data/error_codes.csv), so a client can build
    its own catalogue from the document."""
    from api.error_codes import catalogue

    if schema is None:
        return
    codes = catalogue()
    schema["properties"]["error"]["enum"] = sorted(codes)
    schema["x-error-codes"] = {
        c.code: {"status": c.status, "description": c.en, "ja": c.ja} for c in sorted(codes.values())
    }


def _parameters(ep: Endpoint) -> list[dict[str, Any]]:
    params = [
        {
            "name": m.group(1),
            "in": "path",
            "required": True,
            # Ids are non-negative bigints: the route's int converter matches digits only.
            "schema": {"type": "integer", "minimum": 0}
            if m.group(2) == "int"
            else {"type": "string", "enum": ep.path_values[m.group(1)]}
            if m.group(1) in ep.path_values
            else {"type": "string"},
        }
        for m in _PARAM.finditer(ep.path)
    ]
    if ep.query is not None:
        schema = ep.query.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in schema.get("required", []), "schema": prop})
    return params


def swagger_static_dir() -> Path:
    import swagger_ui

    return Path(swagger_ui.__file__).parent / "static"


DOCS_SCRIPT = (
    'SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#ui"});'  # allowed by its hash (api/middleware.py)
)
DOCS_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenCCUS API</title>
<link rel="stylesheet" href="/api/v1/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/v1/docs/static/swagger-ui-bundle.js"></script>
<script>{DOCS_SCRIPT}</script></body></html>"""


class Raisable:
    """Which error codes an operation may answer: the catalogue's codes (api/data/error_codes.csv) raised in any module
    of `api` its handler's module reaches by imports (function-local ones too), plus the modules that receive a hook
    one of those declares (api/wiring.py), plus the framework's own (api/error_handlers.py). Read from the source
    (ast), not run: a superset of what the handler really raises, never a subset of a literal code."""

    def __init__(self) -> None:
        import ast
        from pathlib import Path

        from api import wiring
        from api.error_codes import FRAMEWORK, catalogue

        self.status = {c.code: c.status for c in catalogue().values()}
        root = Path(__file__).resolve().parent
        self.imports: dict[str, set[str]] = {}
        self.raised: dict[str, set[str]] = {}
        for path in root.rglob("*.py"):
            rel = path.relative_to(root.parent).with_suffix("")
            if "migrations" in rel.parts:
                continue
            name = ".".join(rel.parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            self.imports[name] = _imported(tree, name)
            self.raised[name] = self._codes(tree, whole=rel.name == "errors")
        known = set(self.imports)
        self.imports = {m: {i for i in deps if i in known} for m, deps in self.imports.items()}
        self.framework = {c for c in FRAMEWORK if c in self.status}
        # a module that declares hooks → the modules that receive them
        self.receivers: dict[str, set[str]] = {}
        for receiver in wiring.RECEIVERS:
            for dep in self.imports.get(receiver, ()):
                if dep.endswith(".hooks"):
                    self.receivers.setdefault(dep, set()).add(receiver)
        self._memo: dict[str, frozenset[str]] = {}

    def _codes(self, tree: Any, *, whole: bool) -> set[str]:
        import ast

        found: set[str] = set()
        for node in ast.walk(tree):
            if whole and isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)  # an errors module's constants (api/face/errors.py)
            if not isinstance(node, ast.Call):
                continue
            args = [k.value for k in node.keywords if k.arg in ("code", "error")] + node.args[:1]
            found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        return {c for c in found if c in self.status}

    def of(self, module: str) -> frozenset[str]:
        if module not in self._memo:
            seen, todo = {module}, [module]
            while todo:
                m = todo.pop()
                for dep in self.imports.get(m, set()) | self.receivers.get(m, set()):
                    if dep not in seen:
                        seen.add(dep)
                        todo.append(dep)
            self._memo[module] = frozenset(self.framework.union(*(self.raised.get(m, set()) for m in seen)))
        return self._memo[module]


def _imported(tree: Any, module: str) -> set[str]:
    """The api modules a module imports, anywhere in it (`from api.x import y` counts for api.x and api.x.y)."""
    import ast

    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("api")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from its package
                parts = module.split(".")[: -node.level]
                base = ".".join([*parts, base] if base else parts)
            if base.startswith("api"):
                out.add(base)
                out |= {f"{base}.{a.name}" for a in node.names}
    return out
