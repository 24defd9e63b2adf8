"""The clinic's regular patients: who they are and what keeps them coming back.

Besides the named stories, the demo needs a clinic's worth of ordinary patients to fill the
past months and the coming days. Each has one or two conditions (a track: epidurals every
couple of months, a facet work-up, a series of sympathetic blocks...). Who they are is fixed
(the same names whatever the day); when they come is worked out by `planner.py`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from clinic.models import Patient
from procedures.models import AuthorizationStatus
from scheduling.demo.days import ClinicDays
from scheduling.demo.people import Authorization, HistoryEntry, Profile, mrn

FIRST_NAMES = [
    ("Aaliyah", "f"),
    ("Adrian", "m"),
    ("Amara", "f"),
    ("Andre", "m"),
    ("Beatriz", "f"),
    ("Bernard", "m"),
    ("Camila", "f"),
    ("Cedric", "m"),
    ("Dana", "f"),
    ("Desmond", "m"),
    ("Elena", "f"),
    ("Emeka", "m"),
    ("Fiona", "f"),
    ("Felix", "m"),
    ("Gloria", "f"),
    ("Gustavo", "m"),
    ("Hannah", "f"),
    ("Hassan", "m"),
    ("Irene", "f"),
    ("Ivan", "m"),
    ("Jasmine", "f"),
    ("Joaquin", "m"),
    ("Keiko", "f"),
    ("Kwame", "m"),
    ("Laila", "f"),
    ("Leonard", "m"),
    ("Marisol", "f"),
    ("Mateo", "m"),
    ("Nadia", "f"),
    ("Nikolai", "m"),
    ("Odette", "f"),
    ("Omar", "m"),
    ("Patricia", "f"),
    ("Paolo", "m"),
    ("Quinn", "f"),
    ("Rafael", "m"),
    ("Renee", "f"),
    ("Rohan", "m"),
    ("Sabrina", "f"),
    ("Stefan", "m"),
    ("Tamara", "f"),
    ("Theo", "m"),
    ("Valentina", "f"),
    ("Vikram", "m"),
    ("Whitney", "f"),
    ("Walter", "m"),
    ("Ximena", "f"),
    ("Yusuf", "m"),
    ("Zara", "f"),
    ("Zachary", "m"),
]
LAST_NAMES = [
    "Abbott",
    "Baptiste",
    "Castillo",
    "Delgado",
    "Eriksen",
    "Ferreira",
    "Gallagher",
    "Horvath",
    "Ibrahim",
    "Jansen",
    "Kaplan",
    "Lozano",
    "Murphy",
    "Nakamura",
    "Obi",
    "Pereira",
    "Quinlan",
    "Rasmussen",
    "Sandoval",
    "Thibodeaux",
    "Umar",
    "Vasquez",
    "Whitaker",
    "Xu",
    "Yilmaz",
    "Zielinski",
    "Alvarez",
    "Brennan",
    "Coleman",
    "Dimitriou",
    "Esposito",
    "Fitzgerald",
    "Greenberg",
    "Hoffman",
    "Iyer",
    "Jovanovic",
    "Kowalczyk",
    "Larsen",
    "McCarthy",
    "Novak",
    "O'Brien",
    "Popescu",
    "Ramirez",
    "Schmidt",
    "Torres",
    "Underwood",
    "Volkov",
    "Washington",
    "Young",
    "Zamora",
]
PAYERS = [
    ("medicare", 30),
    ("medicaid", 10),
    ("aetna", 10),
    ("cigna", 8),
    ("bcbs", 12),
    ("uhc", 12),
    ("tricare", 5),
    ("self_pay", 5),
    (None, 8),
]
DRUGS = [("clopidogrel", 3), ("apixaban", 3), ("rivaroxaban", 2), ("naproxen", 3), ("meloxicam", 2)]


@dataclass(frozen=True)
class Track:
    """One condition and the procedure(s) that treat it, in the order to try them."""

    kind: str
    requests: tuple[tuple[str, str, str], ...]  # (procedure, region, side)
    sedation: bool | None = None

    @property
    def first(self) -> tuple[str, str, str]:
        return self.requests[-1]


def _side(rng: random.Random, bilateral: bool = False) -> str:
    sides = ["left", "right"] + (["bilateral"] if bilateral else [])
    return rng.choice(sides)


def _track(kind: str, rng: random.Random) -> Track:
    if kind == "esi":
        code, region = rng.choice(
            [
                ("ESI_TF", "lumbar"),
                ("ESI_TF", "lumbar"),
                ("ESI_IL", "lumbar"),
                ("ESI_IL", "cervical"),
            ]
        )
        return Track(kind, ((code, region, _side(rng)),))
    if kind == "facet":
        region = rng.choice(["lumbar", "lumbar", "lumbar", "cervical"])
        side = _side(rng, bilateral=True)
        # The ablation when the blocks allow it, else the next block.
        return Track(kind, (("RFA", region, side), ("MBB", region, side)), sedation=None)
    if kind == "tpi":
        return Track(kind, (("TPI", rng.choice(["cervical", "thoracic", "lumbar"]), _side(rng)),))
    if kind == "si":
        # The injection when a diagnostic block there allows it, else the block.
        side = _side(rng)
        return Track(kind, (("SI_JOINT", "sacral", side), ("SI_DIAG", "sacral", side)))
    if kind == "sympathetic":
        return Track(kind, (("SYMPATHETIC", "lumbar", _side(rng)),))
    return Track(kind, (("KYPHOPLASTY", rng.choice(["thoracic", "lumbar"]), "bilateral"),))


KINDS = [("esi", 28), ("facet", 22), ("tpi", 18), ("si", 12), ("sympathetic", 14), ("kypho", 6)]
# Days until the next visit once one is done, per kind.
INTERVALS = {
    "esi": (42, 80),
    "facet": (7, 18),
    "tpi": (45, 80),
    "si": (60, 100),
    "sympathetic": (7, 14),
    "kypho": (400, 500),
}
AFTER_SI_BLOCK = (7, 18)  # the injection once the block's diary is back
# Blocks whose relief lasts hours by design: no letter says how many days.
DIAGNOSTIC = {"MBB", "SI_DIAG"}
# The relief a procedure gives: (chance of a good result, good range, poor range).
RELIEF = {
    "MBB": (0.78, (80, 95), (20, 60)),
    "RFA": (0.85, (60, 90), (20, 45)),
    "ESI_TF": (0.85, (50, 85), (15, 45)),
    "ESI_IL": (0.85, (50, 85), (15, 45)),
    "TPI": (0.8, (50, 80), (10, 40)),
    "SI_JOINT": (0.85, (50, 85), (20, 45)),
    "SI_DIAG": (0.75, (75, 95), (20, 60)),
    "SYMPATHETIC": (0.75, (40, 80), (10, 35)),
    "KYPHOPLASTY": (0.9, (60, 90), (20, 50)),
}


def relief_for(code: str, rng: random.Random) -> int:
    chance, good, poor = RELIEF.get(code, (0.8, (50, 80), (10, 40)))
    return rng.randint(*(good if rng.random() < chance else poor))


@dataclass(frozen=True)
class Regular:
    profile: Profile
    tracks: tuple[Track, ...]


def _weighted(rng: random.Random, table: list[tuple[object, int]]) -> object:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _history(track: Track, d: ClinicDays, rng: random.Random) -> tuple[HistoryEntry, ...]:
    """Some regulars come with a procedure done elsewhere, long enough ago not to block.
    The letter says how long a good relief lasted (a repeat here needs it), not for a
    diagnostic block, whose relief lasts hours by design."""
    if rng.random() > 0.3 or track.kind in ("facet", "kypho"):
        return ()
    code, region, side = track.first
    on = d.weekday_before(rng.randint(200, 420))
    relief = relief_for(code, rng)
    days = rng.randint(45, 200) if relief >= 50 and code not in DIAGNOSTIC else None
    notes = "Done elsewhere; letter on file."
    return (HistoryEntry(code, region, side, on, relief, notes=notes, relief_days=days),)


def regulars(first_number: int, count: int, d: ClinicDays) -> list[Regular]:
    """`count` regular patients numbered from `first_number`; the same ones every run."""
    rng = random.Random(20_260)  # fixed: a patient's name and conditions never change
    found = []
    for index in range(count):
        number = first_number + index
        first, sex = FIRST_NAMES[(index * 7) % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 11 + (index // len(LAST_NAMES)) * 3) % len(LAST_NAMES)]
        age = rng.randint(34, 86)
        born = dt.date(d.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        kinds = [str(_weighted(rng, KINDS))]  # type: ignore[arg-type]
        if rng.random() < 0.45:
            other = str(_weighted(rng, KINDS))  # type: ignore[arg-type]
            if other not in kinds:
                kinds.append(other)
        tracks = tuple(_track(kind, rng) for kind in kinds)
        payer = _weighted(rng, PAYERS)  # type: ignore[arg-type]
        drugs = (str(_weighted(rng, DRUGS)),) if rng.random() < 0.16 else ()  # type: ignore[arg-type]
        authorizations: tuple[Authorization, ...] = ()
        if payer == "medicare" and any(t.kind == "facet" for t in tracks):
            # Medicare asks for authorization of facet blocks and ablations: on file for a year.
            window = (d.weekday_before(130), d.today + dt.timedelta(days=240))
            authorizations = tuple(
                Authorization(code, AuthorizationStatus.APPROVED, *window)
                for code in ("MBB", "RFA")
            )
        profile = Profile(
            mrn(number),
            first,
            last,
            born,
            payer,  # type: ignore[arg-type]
            channel=Patient.Channel.SMS if rng.random() < 0.4 else Patient.Channel.EMAIL,
            diabetic=rng.random() < 0.2,
            could_be_pregnant=sex == "f" and age < 50 and rng.random() < 0.5,
            contrast_allergy=rng.random() < 0.05,
            drugs=drugs,
            history=sum((_history(t, d, rng) for t in tracks), ()),
            authorizations=authorizations,
        )
        found.append(Regular(profile, tracks))
    return found
