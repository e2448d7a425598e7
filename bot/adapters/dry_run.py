"""Posting without a bot token: the exact payloads go to the outbox folder, a preview to the
terminal, so the whole loop can be seen (and diffed) before Slack is connected.

Files are ``<outbox_dir>/<as_of>/<alert_key>.json`` holding the ``chat.postMessage``
arguments (channel, text, blocks, metadata, unfurl flags).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from bot.blockkit.alerts import MAX_PLAYBOOKS, AlertView, render_alert, risk_change
from bot.cli.output import console as default_console
from storage.repositories import alert_outbox as repo

if TYPE_CHECKING:
    from bot.bootstrap import Context
    from bot.delivery.alert_views import Outgoing
    from bot.delivery.post_alerts import PostReport

log = logging.getLogger(__name__)
PREVIEW_LIMIT = 20  # alerts previewed on the terminal; the rest are only written

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(key: str) -> str:
    """A file name for an alert or notice key that stays inside its folder on every OS."""
    plain = key.replace(":", "_")  # the account:day separator
    safe = _UNSAFE.sub("_", plain).strip("._")[:180]
    if safe != plain:  # keys that differ only in unsafe characters keep their own files
        safe += "-" + hashlib.sha256(key.encode()).hexdigest()[:10]
    return safe + ".json"


def write_payload(folder: Path, key: str, payload: dict[str, Any]) -> Path:
    """Write atomically (a rerun after a crash rewrites the same file, never half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(key)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def _printable(text: object) -> str:
    """Data shown in a terminal: no control characters (no escape sequences from data)."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def preview_line(text: str, *, console: Console | None = None) -> None:
    (console or default_console).print(Text(_printable(text)))


def preview_alert(channel: str, view: AlertView, *, console: Console | None = None) -> None:
    """Channel, account, risk, reasons and buttons, as a CSM would read them."""
    out = Text()
    out.append(_printable(channel), style="cyan")
    out.append("  ")
    out.append(_printable(view.account_name), style="bold")
    out.append(f"  {risk_change(view.risk, view.previous_risk)}", style="red")
    if view.fallback_banner:
        out.append(f"\n  ⏸ {_printable(view.fallback_banner)}", style="yellow")
    for reason in view.reasons[:3]:
        out.append(f"\n  • {_printable(reason.get('text', ''))}")
    labels = [str(p.get("title") or p.get("id")) for p in view.playbooks[:MAX_PLAYBOOKS]]
    out.append("\n  ")
    out.append("  ".join(f"[{_printable(label)}]" for label in labels), style="green")
    out.append(("  " if labels else "") + "[Not a risk]")
    (console or default_console).print(out)


def write_dry_run(
    ctx: Context,
    outgoing: list[Outgoing],
    report: PostReport,
    *,
    now: Callable[[], dt.datetime],
    console: Console | None = None,
) -> None:
    """Exact payloads into the outbox folder, a preview on the terminal, alerts marked posted."""
    for n, out in enumerate(outgoing):
        try:
            payload = {"channel": out.channel, **render_alert(out.view)}
        except ValueError as exc:
            log.warning("alert %s cannot be rendered: %s", out.alert_key, exc)
            with ctx.uow() as uow:
                repo.record_error(
                    uow.session, alert_id=out.alert_id, error="render_error", permanent=True
                )
                uow.commit()
            report.count("failed", "render_error")
            continue
        payload.update(unfurl_links=False, unfurl_media=False)
        folder = ctx.settings.atrisk_outbox_dir / out.view.as_of.isoformat()
        report.files.append(str(write_payload(folder, out.alert_key, payload)))
        with ctx.uow() as uow:
            repo.mark_posted(
                uow.session, alert_id=out.alert_id, channel=out.channel, ts="dry-run", at=now()
            )
            uow.commit()
        report.count("posted")
        if n < PREVIEW_LIMIT:
            preview_alert(out.channel, out.view, console=console)
    if len(outgoing) > PREVIEW_LIMIT:
        more = f"… and {len(outgoing) - PREVIEW_LIMIT} more in {ctx.settings.atrisk_outbox_dir}"
        preview_line(more, console=console)
