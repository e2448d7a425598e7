"""The Slack port without a bot token: the exact payloads go to the outbox folder, so the whole
loop can be seen (and diffed) before Slack is connected.

Files are ``<outbox_dir>/<folder>/<key>.json`` holding the ``chat.postMessage`` arguments
(channel, text, blocks, metadata, thread, unfurl flags); ``folder`` is the alert's ``as_of``
date, ``ops`` or ``outcomes``. A rerun after a crash rewrites the same file, never half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.ports import DRY_RUN_TS, Message, Posted

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
    tmp = path.with_name(path.name + f".{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


class DryRunOutbox:
    """``SlackPort`` that writes each message to ``folder`` instead of sending it."""

    dry_run = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []
        self._lock = threading.Lock()

    def post(
        self,
        message: Message,
        *,
        key: str,
        folder: str,
        may_resend: Callable[[], bool] | None = None,
    ) -> Posted:
        payload: dict[str, Any] = {"channel": message.channel, "text": message.text}
        for name in ("blocks", "metadata", "thread_ts"):
            if getattr(message, name) is not None:
                payload[name] = getattr(message, name)
        payload.update(message.extra)
        payload.update(unfurl_links=False, unfurl_media=False)
        path = write_payload(self.folder / folder, key, payload)
        with self._lock:
            self.written.append(path)
        return Posted(message.channel, DRY_RUN_TS)

    def update(self, message: Message, *, ts: str, key: str, folder: str) -> Posted:
        """Written like a post, with ``update_of`` naming the message it replaces."""
        self.post(
            Message(**{**message.__dict__, "extra": {**message.extra, "update_of": ts}}),
            key=f"{key}.update",
            folder=folder,
        )
        return Posted(message.channel, ts)

    def posted_alerts(self, channel: str, since: dt.datetime) -> dict[str, Posted]:
        return {}  # a rerun rewrites its files: nothing to reconcile
