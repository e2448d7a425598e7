"""What a dry run shows on the terminal: each alert as a CSM would read it, one line a notice."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from bot.blockkit.alerts import MAX_PLAYBOOKS, risk_change
from bot.blockkit.any_alert import AnyAlertView
from bot.blockkit.lead_alerts import NOT_A_FIT, LeadAlertView
from bot.terminal import console as default_console

Preview = Console


def printable(text: object) -> str:
    """Data shown in a terminal: no control characters (no escape sequences from data)."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def preview_line(text: str, *, preview: Preview | None = None) -> None:
    """One line of plain text (control characters from data removed)."""
    (preview or default_console).print(Text(printable(text)))


def preview_alert(channel: str, view: AnyAlertView, *, preview: Preview | None = None) -> None:
    """Channel, account or lead, risk or chance, reasons and buttons, as the owner reads them."""
    out = Text()
    out.append(printable(channel), style="cyan")
    out.append("  ")
    out.append(printable(view.account_name), style="bold")
    if isinstance(view, LeadAlertView):
        chance = f"{view.probability:.0%} likely to convert in {view.horizon_days} days"
        out.append(f"  {chance}", style="green")
    else:
        out.append(f"  {risk_change(view.risk, view.previous_risk)}", style="red")
    dismiss = NOT_A_FIT if isinstance(view, LeadAlertView) else "Not a risk"
    if view.fallback_banner:
        out.append(f"\n  ⏸ {printable(view.fallback_banner)}", style="yellow")
    for reason in view.reasons[:3]:
        out.append(f"\n  • {printable(reason.text)}")
    labels = [str(p.get("title") or p.get("id")) for p in view.playbooks[:MAX_PLAYBOOKS]]
    out.append("\n  ")
    out.append("  ".join(f"[{printable(label)}]" for label in labels), style="green")
    out.append(("  " if labels else "") + f"[{dismiss}]")
    (preview or default_console).print(out)
