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
    ctx: dict[str, Any] | None = Field(default=None, description="the values the message quotes (`max_length`…)")


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


def build_openapi(endpoints: list[Endpoint], *, version: str) -> dict[str, Any]:
    inputs = {ep.body for ep in endpoints if ep.body is not None}
    outputs = {m for ep in endpoints if (m := _model_of(ep.response)[0]) is not None} | {ErrorOut}
    keys = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    refs, defs = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    extra_defs: dict[str, Any] = {}
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
                "content": {"application/json": {"schema": {"type": "array", "items": schema} if many else schema}},
            }
        elif ep.status == 204:
            op["responses"]["204"] = {"description": "Done"}
        else:
            assert ep.media, f"{ep.method} {ep.path}: declare response= (a model) or media= (its media types)"
            op["responses"][str(ep.status)] = {
                "description": "OK",
                "content": {
                    m: {
                        "schema": {"type": "object"}
                        if m == "application/json"
                        else {"type": "string"}
                        if m.startswith("text/")
                        else {"type": "string", "format": "binary"}
                    }
                    for m in ep.media
                },
            }
        codes = set(ep.errors)
        if ep.roles is not None:
            codes |= {401, 403}
        if ep.body is not None or ep.query is not None:
            codes |= {400, 422}
        if _PARAM.search(ep.path):
            codes |= {404}  # an id that names nothing (or a path segment that is no id)
        for code in sorted(codes):
            op["responses"][str(code)] = {
                "description": _ERROR_TEXT.get(code, "Error"),
                "content": {"application/json": {"schema": refs[(ErrorOut, "serialization")]}},
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
