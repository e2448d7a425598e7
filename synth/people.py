"""The customer success team: CSMs with their Slack channels, managers, an analyst, an admin."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from synth.names import ascii_slug, person_names

DOMAIN = "example.com"
_ALNUM = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))


def csm_count(accounts: int) -> int:
    """5–10 CSMs up to 5,000 accounts (about 250 each), then one per 500 accounts."""
    if accounts <= 5000:
        return int(np.clip(round(accounts / 250), 5, 10))
    return max(10, round(accounts / 500))


def manager_count(csms: int) -> int:
    """Two managers split the CSMs; large teams get one manager per ten CSMs."""
    return max(2, math.ceil(csms / 10))


def _slack_id(rng: np.random.Generator, prefix: str, taken: set[str]) -> str:
    while True:
        length = int(rng.integers(8, 11))
        sid = prefix + "".join(rng.choice(_ALNUM, size=length))
        if sid not in taken:
            taken.add(sid)
            return sid


def make_team(rng: np.random.Generator, accounts: int) -> pd.DataFrame:
    """The ``team`` table: CSMs first (in book order), then managers, the analyst and the admin."""
    n_csm = csm_count(accounts)
    n_mgr = manager_count(n_csm)
    roles = ["csm"] * n_csm + ["manager"] * n_mgr + ["analyst", "admin"]
    names = person_names(rng, len(roles))
    emails: list[str] = []
    for name in names:
        base = ascii_slug(name)
        email, k = f"{base}@{DOMAIN}", 2
        while email in emails:
            email, k = f"{base}{k}@{DOMAIN}", k + 1
        emails.append(email)
    managers = emails[n_csm : n_csm + n_mgr]
    taken: set[str] = set()
    rows = []
    for i, (name, email, role) in enumerate(zip(names, emails, roles, strict=True)):
        is_csm = role == "csm"
        channel = None
        if is_csm:
            channel = (
                _slack_id(rng, "C", taken)
                if rng.random() < 0.5
                else f"#cs-{ascii_slug(name.split()[0], '-')}"
            )
        rows.append(
            {
                "email": email,
                "name": name,
                "role": role,
                "manager_email": managers[i * n_mgr // n_csm] if is_csm else None,
                "slack_user_id": _slack_id(rng, "U", taken),
                "slack_channel": channel,
            }
        )
    return pd.DataFrame(rows).astype("str")


def assign_csms(rng: np.random.Generator, segment: np.ndarray, csms: int) -> np.ndarray:
    """Index of each account's CSM: the first third of CSMs carry Enterprise, the rest SMB.

    Mid-Market books are spread over everyone, as strategic and scale CSMs usually share them.
    """
    strategic = max(1, math.ceil(csms / 3))
    scale = max(1, csms - strategic)
    out = rng.integers(0, csms, size=segment.size)
    ent = segment == 2
    smb = segment == 0
    out[ent] = rng.integers(0, strategic, size=int(ent.sum()))
    out[smb] = (csms - scale) + rng.integers(0, scale, size=int(smb.sum()))
    return out
