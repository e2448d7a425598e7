"""Render an alert of either product: an at-risk account or a hot lead (pure)."""

from __future__ import annotations

from typing import Any

from bot.blockkit.alerts import ActedView, AlertView, render_alert
from bot.blockkit.lead_alerts import LeadAlertView, render_lead_alert

AnyAlertView = AlertView | LeadAlertView


def render_any(view: AnyAlertView, *, acted: ActedView | None = None) -> dict[str, Any]:
    """``{"text", "blocks", "metadata"}`` of the account alert or the lead alert ``view`` is."""
    if isinstance(view, LeadAlertView):
        return render_lead_alert(view, acted=acted)
    return render_alert(view, acted=acted)
