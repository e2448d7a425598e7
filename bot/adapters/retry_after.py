"""``Retry-After`` as RFC 9110 §10.2.3 defines it: a number of seconds, or an HTTP date.

Slack sends seconds; a proxy or a gateway in front of it may send a date. Both are read here
(the date in any of the three HTTP-date forms: IMF-fixdate, the obsolete RFC 850 form and
asctime), so a date never crashes a run, and the caller decides whether a wait this long is
worth sleeping through.
"""

from __future__ import annotations

import datetime as dt
import re

MAX_SECONDS = 10**9  # longer than any wait that matters; keeps absurd values finite
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(\d{2}):(\d{2}):(\d{2})"
IMF_FIXDATE = re.compile(rf"{_DAY}, (\d{{2}}) {_MONTH} (\d{{4}}) {_TIME} GMT")
RFC850_DATE = re.compile(rf"{_LONG_DAY}, (\d{{2}})-{_MONTH}-(\d{{2}}) {_TIME} GMT")
ASCTIME_DATE = re.compile(rf"{_DAY} {_MONTH} ([ \d]\d) {_TIME} (\d{{4}})")


def http_date(text: str, now: dt.datetime) -> dt.datetime | None:
    """An HTTP-date in UTC, or None when ``text`` is not one (or names no real moment)."""
    try:
        if m := IMF_FIXDATE.fullmatch(text):
            day, month, year, hh, mm, ss = m.groups()
            return _utc(int(year), month, int(day), hh, mm, ss)
        if m := RFC850_DATE.fullmatch(text):
            day, month, yy, hh, mm, ss = m.groups()
            year = now.year // 100 * 100 + int(yy)
            if year > now.year + 50:  # §5.6.7: more than 50 years ahead is the last century
                year -= 100
            return _utc(year, month, int(day), hh, mm, ss)
        if m := ASCTIME_DATE.fullmatch(text):
            month, day, hh, mm, ss, year = m.groups()
            return _utc(int(year), month, int(day.strip()), hh, mm, ss)
    except ValueError:  # 31 Feb, 25:00…
        return None
    return None


def _utc(year: int, month: str, day: int, hh: str, mm: str, ss: str) -> dt.datetime:
    return dt.datetime(year, _MONTHS[month], day, int(hh), int(mm), int(ss), tzinfo=dt.UTC)


def retry_after_seconds(value: object, now: dt.datetime) -> float | None:
    """Seconds to wait from ``now``; 0 for a date already past; None when ``value`` is
    missing or neither form."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"
        return float(MAX_SECONDS if len(digits) > 9 else min(int(digits), MAX_SECONDS))
    when = http_date(text, now)
    if when is None:
        return None
    return min(max(0.0, (when - now).total_seconds()), float(MAX_SECONDS))
