"""Company and person names that look real: ampersands, apostrophes and non-ASCII letters included.

Account names go into Slack messages, so they deliberately contain characters that must be
escaped (``&``) or that break naive quoting (``'``, ``ü``, ``ø``).
"""

from __future__ import annotations

import unicodedata

import numpy as np

SURNAMES = (
    "Abbott", "Alvarez", "Andersen", "Baker", "Barnes", "Becker", "Bennett", "Brooks", "Carter",
    "Castillo", "Chen", "Clarke", "Coleman", "Cooper", "D'Angelo", "Dawson", "Dubois", "Eriksson",
    "Evans", "Fischer", "Fitzgerald", "Foster", "García", "Grant", "Hansen", "Harper", "Hayes",
    "Hoffmann", "Hughes", "Ito", "Jansen", "Jensen", "Keller", "Khan", "Kowalski", "Lambert",
    "Larsen", "Lefèvre", "Lindqvist", "Marsh", "Martín", "Meyer", "Morales", "Müller", "Nakamura",
    "Novak", "Nuñez", "O'Brien", "O'Connor", "O'Neill", "Olsen", "Park", "Patel", "Peña",
    "Peters", "Quinn", "Reed", "Rossi", "Schmidt", "Schröder", "Silva", "Søndergaard", "Sullivan",
    "Takahashi", "Thompson", "Turner", "Vargas", "Vogel", "Wagner", "Walsh", "Weber", "Wójcik",
    "Yamamoto", "Young", "Zhang", "Ødegaard", "Çelik", "Łukasiewicz",
)  # fmt: skip
STEMS = (
    "Acme", "Apex", "Arbor", "Atlas", "Beacon", "Birch", "Blue Fjord", "Bright", "Canyon",
    "Cedar", "Cobalt", "Copper", "Crescent", "Delta", "Ember", "Evergreen", "Falcon", "Fern",
    "Granite", "Harbor", "Helix", "Horizon", "Iron", "Juniper", "Keystone", "Lantern", "Linden",
    "Lumen", "Maple", "Meridian", "Nimbus", "North", "Northwind", "Oak", "Orbit", "Pine",
    "Pioneer", "Prism", "Quarry", "Redwood", "Ridge", "River", "Sable", "Summit", "Tidal",
    "Timber", "Vantage", "Vertex", "Willow", "Zenith", "Nordlicht", "Étoile", "Fjällräv",
    "Sol y Mar", "Kōgen",
)  # fmt: skip
TRADES = (
    "Analytics", "Bakery Group", "Biotech", "Brewing", "Capital", "Clinics", "Consulting",
    "Dental", "Design", "Energy", "Engineering", "Foods", "Freight", "Health", "Hospitality",
    "Insurance", "Labs", "Legal", "Logistics", "Manufacturing", "Media", "Mobility", "Outfitters",
    "Partners", "Pharma", "Properties", "Realty", "Retail", "Robotics", "Security", "Software",
    "Studios", "Systems", "Telecom", "Textiles", "Travel", "Ventures", "Wellness",
)  # fmt: skip
SUFFIXES = ("", "", "", " Inc.", " LLC", " Ltd", " GmbH", " AG", " S.A.", " B.V.", " AB", " Co.")
CITIES = (
    "Austin", "Berlin", "Bogotá", "Chicago", "Dublin", "Kraków", "Lisbon", "London", "Lyon",
    "Madrid", "Malmö", "Montréal", "Munich", "Osaka", "Oslo", "Paris", "Porto", "São Paulo",
    "Seoul", "Sydney", "Toronto", "Vienna", "Zürich",
)  # fmt: skip
FIRST_NAMES = (
    "Aisha", "Amélie", "Ana", "Ben", "Björn", "Carlos", "Chloé", "Daniel", "Dmitri", "Elena",
    "Emma", "Farah", "Grace", "Hannah", "Hiroshi", "Ines", "Jana", "Jonas", "José", "Kai",
    "Leila", "Liam", "Lucía", "Maya", "Mei", "Mohammed", "Nora", "Olu", "Priya", "Rafael",
    "Sam", "Sofía", "Søren", "Tomás", "Yara", "Zoë",
)  # fmt: skip


def ascii_slug(text: str, sep: str = ".") -> str:
    """Lower-case ASCII letters and digits of ``text`` (for e-mail addresses and channel names)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = plain.replace("Ø", "O").replace("ø", "o")
    words = "".join(ch if ch.isalnum() else " " for ch in plain.replace("'", "")).split()
    return sep.join(w.lower() for w in words)


def company_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct company names in a handful of common shapes."""
    shape = rng.choice(5, size=n, p=[0.18, 0.34, 0.12, 0.2, 0.16])
    s1, s2 = rng.integers(len(SURNAMES), size=(2, n))
    stem = rng.integers(len(STEMS), size=n)
    trade = rng.integers(len(TRADES), size=n)
    suffix = rng.integers(len(SUFFIXES), size=n)
    names: list[str] = []
    for i in range(n):
        a, b = SURNAMES[s1[i]], SURNAMES[s2[i]]
        t, sx = TRADES[trade[i]], SUFFIXES[suffix[i]]
        k = int(shape[i])
        if k == 0:
            name = f"{a} & {b if b != a else SURNAMES[(s2[i] + 1) % len(SURNAMES)]}{sx}"
        elif k == 1:
            name = f"{STEMS[stem[i]]} {t}{sx}"
        elif k == 2:
            name = f"{a}'s {t}"
        elif k == 3:
            name = f"{a} {t}{sx}"
        else:
            name = f"{STEMS[stem[i]]} & {a} {t}"
        names.append(name)
    return _distinct(names)


def _distinct(names: list[str]) -> list[str]:
    """Tell repeated names apart by a city, as companies with the same name usually are."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        k = seen.get(name, 0)
        seen[name] = k + 1
        if k:
            city = CITIES[(k - 1) % len(CITIES)]
            rounds = (k - 1) // len(CITIES)
            name = f"{name} ({city}{f' {rounds + 1}' if rounds else ''})"
        out.append(name)
    return out


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct full names (distinct for up to a few thousand people)."""
    firsts = rng.permutation(len(FIRST_NAMES))
    lasts = rng.permutation(len(SURNAMES))
    n_last, n_first = len(lasts), len(firsts)
    return [
        f"{FIRST_NAMES[firsts[(i + i // n_last) % n_first]]} {SURNAMES[lasts[i % n_last]]}"
        for i in range(n)
    ]
