"""Text as exports deliver it: invisible characters at the ends, and addresses to normalise.

Spreadsheets and CRMs leave zero-width spaces, byte-order marks and bidi controls around
values; they are trimmed with the whitespace from every text value. An email address is
compared with others (the CSM of an account, the team table, a Slack profile), so it is
normalised further: invisible characters removed anywhere, compatibility forms folded (NFKC),
case folded. What is still not one bare ``name@domain`` is refused with the row named.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: zero-width characters, word joiner, invisible operators, bidi marks/embeddings/isolates,
#: byte-order mark, soft hyphen: Unicode format characters that print as nothing
INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
#: what ``str.strip()`` removes, listed, so one pass trims it and the invisible characters
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
TRIMMED = WHITESPACE + INVISIBLE

_INVISIBLE_ANYWHERE = f"[{INVISIBLE}]"
#: one address: no spaces, brackets, quotes, separators or a second @ (no "Jane <jane@x>",
#: no "a@x.com; b@x.com", no "mailto:")
BARE_ADDRESS = re.compile(
    r"""[^\s@<>()\[\],;:"\\]+@[^\s@<>()\[\],;:"\\]+\.[^\s@<>()\[\],;:"\\.]+"""
)


def trim(s: pd.Series) -> pd.Series:
    """Whitespace and invisible characters trimmed from both ends; empty text is null."""
    s = s.astype("str").str.strip(TRIMMED)
    return s.mask(s == "")


def addresses(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Email addresses normalised, and the mask of values that are not one bare address."""
    s = s.str.replace(_INVISIBLE_ANYWHERE, "", regex=True).str.normalize("NFKC").str.casefold()
    s = s.str.strip(TRIMMED)
    s = s.mask(s == "")
    bad = (s.notna() & ~s.str.fullmatch(BARE_ADDRESS.pattern).fillna(False).astype(bool)).to_numpy()
    return s, bad
