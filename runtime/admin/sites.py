"""Site-by-site outcomes of ``deploy MMAR client`` and ``start client``.

Clara's console acted on all listed sites or none: one offline site, or one whose
organisation forbids custom code, refused the command for every site. Here the service
acts on every eligible site and reports the others, each with the reason, in
``data["sites"]`` (``{"ok": bool, "detail": str}`` a site) for the console's table and
for scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .control import FederationControl
from .protocol import Response

__all__ = ["per_site", "site_problems"]


def site_problems(
    control: FederationControl, sites: Sequence[str], *, need_deployed: bool = False
) -> dict[str, str]:
    """Why each of ``sites`` cannot be acted on now: not connected, nothing deployed.

    A control whose status has no ``connected`` field (no live link to watch) counts
    every site as connected.
    """
    status = control.status("client", sites)
    problems: dict[str, str] = {}
    for site in sites:
        info = status.get(site)
        info = info if isinstance(info, Mapping) else {}
        if info.get("connected") is False:
            seen = info.get("last_seen_s_ago")
            problems[site] = "offline" + (
                f" (last heard {seen} s ago)" if seen is not None else " (never connected)"
            )
        elif need_deployed and not info.get("deployed"):
            problems[site] = "nothing deployed: deploy an MMAR first"
    return problems


def per_site(
    request_id: str,
    action: str,
    sites: Sequence[str],
    problems: Mapping[str, str],
    act: Callable[[list[str]], str],
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Act on every site without a problem, report the others site by site.

    ``data["sites"]`` maps each site to ``{"ok": bool, "detail": str}``; the reply is
    ``ok`` when at least one site was acted on (one offline site, or one whose policy
    forbids the MMAR, never stops the rest).
    """
    ready = [s for s in sites if s not in problems]
    results = {s: {"ok": False, "detail": problems[s]} for s in sites if s in problems}
    text = act(ready) if ready else f"not {action} anywhere"
    results.update({s: {"ok": True, "detail": ""} for s in ready})
    if problems:
        text += f"; not {action}: " + "; ".join(f"{s}: {why}" for s, why in problems.items())
    data = {"sites": dict(sorted(results.items())), **(extra or {})}
    return Response(request_id, "ok" if ready else "error", text, data)
