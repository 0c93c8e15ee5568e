"""``GET /docs``: the OpenAPI document as one self-contained HTML page.

Why not FastAPI's Swagger UI: it loads its scripts and styles from a CDN, and hospital
networks are often offline, where that page stays blank. This page is rendered on the
server from ``app.openapi()`` (each operation: method, path, summary, parameters, request
body types, responses) and loads nothing from anywhere; ``/openapi.json`` stays the
machine-readable contract.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["render_docs"]

_STYLE = (
    "body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}"
    "h2{font-size:15px;margin:1.4em 0 .3em}code{font-size:13px}"
    ".m{display:inline-block;min-width:4em;font-weight:bold}"
    "table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
    "text-align:left;vertical-align:top}"
)
_METHODS = ("get", "post", "put", "patch", "delete")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    rows = [
        f"<tr><td><code>{_e(p.get('name'))}</code></td><td>{_e(p.get('in'))}</td>"
        f"<td>{'required' if p.get('required') else ''}</td>"
        f"<td>{_e(p.get('description', ''))}</td></tr>"
        for p in op.get("parameters", [])
        if isinstance(p, dict)
    ]
    body = op.get("requestBody", {}).get("content", {})
    responses = ", ".join(_e(code) for code in op.get("responses", {}))
    parts = [
        f"<h2><span class=m>{_e(method.upper())}</span><code>{_e(path)}</code></h2>",
        f"<p>{_e(op.get('summary') or op.get('description') or '')}</p>",
    ]
    if rows:
        parts.append(
            "<table><tr><th>parameter</th><th>in</th><th></th><th></th></tr>"
            + "".join(rows)
            + "</table>"
        )
    if body:
        parts.append(f"<p>body: {', '.join(_e(kind) for kind in body)}</p>")
    if responses:
        parts.append(f"<p>responses: {responses}</p>")
    return "".join(parts)


def render_docs(openapi: dict[str, Any]) -> str:
    """The HTML page of ``openapi`` (an OpenAPI 3 document as FastAPI builds it)."""
    info = openapi.get("info", {})
    sections = [
        _operation(path, method, op)
        for path, item in sorted(openapi.get("paths", {}).items())
        for method, op in item.items()
        if method in _METHODS and isinstance(op, dict)
    ]
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{_e(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(info.get('title', 'API'))} {_e(info.get('version', ''))}</h1>"
        f"<p>{_e(info.get('description', ''))} Machine-readable: "
        "<a href=/openapi.json><code>/openapi.json</code></a>.</p>"
        + "".join(sections)
        + "</body></html>"
    )
