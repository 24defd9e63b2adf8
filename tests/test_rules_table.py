"""Every rule of DOMAIN.md at its edges, as a table, against the pure evaluator (no database).

Each row is a patient's history, a request and what the evaluator must answer: allowed, or
refused with these violation codes, each with words its sentence must contain and the date
from which waiting cures it (None when waiting cannot), plus the top-level date. Windows
are rolling day counts (365 and 183 days): a session leaves a window ending on day P
when it is 365 (or 183) days before P.

Rows run under the default, eviCore and commercial rule sets and must give the same answer,
except rows marked as depending on the facet block threshold (80%, or 50% commercial).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from procedures.rules import Facts, PsychEval, Request, Session, evaluate
from tests.rules_fixtures import DEFAULT, ask, booked, day, done, judge, psych

ALL_SETS = ("default", "evicore", "commercial", "medicare")
# The frequency limits alone, for cases about counting windows that other rules would cloud.
LIMITS_ONLY = ("limits",)
NOT_MEDICARE = ("default", "evicore", "commercial")
BLOCKS_AT_80 = ("default", "evicore")
ALLOWED = "allowed"


@dataclass(frozen=True)
class Refused:
    code: str
    eligible_from: dt.date | None
    mentions: tuple[str, ...]


def refused(code: str, eligible_from: str | None, *mentions: str) -> Refused:
    return Refused(code, day(eligible_from) if eligible_from else None, mentions)


@dataclass(frozen=True)
class Case:
    name: str
    history: tuple[Session, ...]
    request: Request
    violations: tuple[Refused, ...]
    eligible_from: dt.date | None
    evaluations: tuple[PsychEval, ...]
    today: dt.date | None
    sets: tuple[str, ...]


def case(
    name: str,
    history: list[Session],
    request: Request,
    *violations: Refused,
    eligible_from: str | None = ALLOWED,
    evaluations: tuple[PsychEval, ...] = (),
    today: str | None = None,
    sets: tuple[str, ...] = ALL_SETS,
) -> Case:
    if violations:
        assert eligible_from != ALLOWED, f"{name}: a refusal needs its top-level eligible_from"
        top = day(eligible_from) if eligible_from else None
    else:
        top = request.on
    return Case(
        name,
        tuple(history),
        request,
        violations,
        top,
        evaluations,
        day(today) if today else None,
        sets,
    )


FREQUENCY = "frequency_limit"
INTERVAL = "min_interval"
PATHWAY = "pathway_incomplete"
PENDING = "outcome_pending"
RESPONSE = "insufficient_response"
PSYCH = "psych_evaluation_required"

# --- Frequency limits ---------------------------------------------------------------------

FACET_FOUR = [
    done("FACET_IA", "lumbar", "left", "2026-01-05", 40),
    done("FACET_IA", "lumbar", "right", "2026-04-06", 30),
    done("MBB", "lumbar", "bilateral", "2026-07-06", 85),
    done("MBB", "lumbar", "right", "2026-08-03", 90),
]
FACET_CERVICOTHORACIC_FOUR = [
    done("MBB", "cervical", "left", "2026-01-05", 85),
    done("MBB", "cervical", "left", "2026-04-06", 90),
    done("FACET_IA", "thoracic", "right", "2026-07-06", 30),
    done("MBB", "thoracic", "bilateral", "2026-08-03", 40),
]
RFA_TWO = [
    done("RFA", "lumbar", "right", "2026-02-02", 70),
    done("RFA", "lumbar", "left", "2026-06-01", 70),
]
# IL, TF and a caudal recorded as sacral: all three count in the lumbar/sacral group.
ESI_THREE = [
    done("ESI_IL", "lumbar", "bilateral", "2026-01-05", 80),
    done("ESI_TF", "lumbar", "left", "2026-02-02", 70),
    done("ESI_CAUDAL", "sacral", "bilateral", "2026-03-02", 60),
]
CAUDAL_LUMBAR_THREE = [
    done("ESI_CAUDAL", "lumbar", "bilateral", "2026-01-05", 80),
    done("ESI_CAUDAL", "lumbar", "bilateral", "2026-02-02", 70),
    done("ESI_CAUDAL", "lumbar", "bilateral", "2026-03-02", 60),
]
ESI_FOUR = [
    done("ESI_IL", "lumbar", "bilateral", "2026-01-05", 80),
    done("ESI_TF", "lumbar", "right", "2026-04-06", 70),
    done("ESI_CAUDAL", "lumbar", "bilateral", "2026-07-06", 90),
    done("ESI_IL", "lumbar", "bilateral", "2026-10-05", 60),
]
SI_LEFT_FOUR = [
    done("SI_JOINT", "sacral", "left", on, 80)
    for on in ("2026-01-05", "2026-04-06", "2026-07-06", "2026-10-05")
]
SI_RIGHT_FOUR = [
    done("SI_JOINT", "sacral", "right", on, 80)
    for on in ("2026-02-02", "2026-05-04", "2026-08-03", "2026-11-02")
]
SI_BILATERAL_FOUR = [
    done("SI_JOINT", "sacral", "bilateral", on, 80)
    for on in ("2026-01-05", "2026-04-06", "2026-07-06", "2026-10-05")
]
TPI_THREE = [
    done("TPI", "cervical", "bilateral", "2026-01-05", 60),
    done("TPI", "thoracic", "left", "2026-04-06", 60),
    done("TPI", "lumbar", "right", "2026-07-06", 60),
]

FREQUENCY_CASES = [
    case(
        "facet-4-per-region/FACET_IA-day-before-oldest-leaves",
        FACET_FOUR,
        ask("FACET_IA", "lumbar", "left", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "lumbar/sacral region", "already has 4", "2026-01-05"),
        eligible_from="2027-01-05",
    ),
    case(
        "facet-4-per-region/FACET_IA-day-oldest-leaves",
        FACET_FOUR,
        ask("FACET_IA", "lumbar", "left", "2027-01-05"),
    ),
    case(
        "facet-4-per-region/MBB-counts-with-FACET_IA-day-before",
        FACET_FOUR,
        ask("MBB", "lumbar", "left", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "lumbar/sacral region", "2026-01-05", "2026-08-03"),
        eligible_from="2027-01-05",
    ),
    case(
        "facet-4-per-region/MBB-day-oldest-leaves",
        FACET_FOUR,
        ask("MBB", "lumbar", "left", "2027-01-05"),
    ),
    case(
        "facet-4-per-region/other-region-group-not-counted",
        FACET_FOUR,
        ask("FACET_IA", "cervical", "left", "2027-01-04"),
    ),
    case(
        # The LCDs count cervical and thoracic as one region: two of each are four.
        "facet-4-per-region/cervical-and-thoracic-count-together",
        FACET_CERVICOTHORACIC_FOUR,
        ask("MBB", "thoracic", "left", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "cervical/thoracic region", "already has 4"),
        eligible_from="2027-01-05",
    ),
    case(
        "facet-4-per-region/cervical-and-thoracic-day-oldest-leaves",
        FACET_CERVICOTHORACIC_FOUR,
        ask("MBB", "cervical", "right", "2027-01-05"),
    ),
    case(
        "facet-4-per-region/sacral-counts-with-lumbar",
        FACET_FOUR,
        ask("FACET_IA", "sacral", "left", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "lumbar/sacral region", "already has 4"),
        eligible_from="2027-01-05",
    ),
    case(
        "rfa-2-per-region/day-before-oldest-leaves",
        RFA_TWO,
        ask("RFA", "lumbar", "right", "2027-02-01"),
        refused(FREQUENCY, "2027-02-02", "lumbar/sacral region", "2026-02-02", "2026-06-01"),
        eligible_from="2027-02-02",
    ),
    case(
        "rfa-2-per-region/day-oldest-leaves", RFA_TWO, ask("RFA", "lumbar", "right", "2027-02-02")
    ),
    case(
        "esi-3-per-183-days/IL-TF-caudal-together-day-before",
        ESI_THREE,
        ask("ESI_TF", "lumbar", "right", "2026-07-06"),
        refused(
            FREQUENCY,
            "2026-07-07",
            "6 months",
            "lumbar/sacral region",
            "already has 3",
            "2026-01-05",
            "2026-03-02",
        ),
        eligible_from="2026-07-07",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "esi-3-per-183-days/day-oldest-leaves",
        ESI_THREE,
        ask("ESI_TF", "lumbar", "right", "2026-07-07"),
    ),
    case(
        "esi-caudal/recorded-lumbar-counts-for-sacral-day-before",
        CAUDAL_LUMBAR_THREE,
        ask("ESI_TF", "sacral", "right", "2026-07-06"),
        refused(FREQUENCY, "2026-07-07", "sacral region", "already has 3", "2026-01-05"),
        eligible_from="2026-07-07",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "esi-caudal/recorded-lumbar-counts-for-sacral-day-of",
        CAUDAL_LUMBAR_THREE,
        ask("ESI_TF", "sacral", "right", "2026-07-07"),
    ),
    case(
        # Lumbar and sacral are one region group (the LCDs'): an S1 transforaminal recorded as
        # sacral counts with the lumbar IL and TF, and would be a fourth in 6 months.
        "esi-group/sacral-counts-with-lumbar",
        ESI_THREE,
        ask("ESI_TF", "sacral", "left", "2026-03-20"),
        refused(FREQUENCY, "2026-07-07", "lumbar/sacral region", "already has 3"),
        eligible_from="2026-07-07",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "esi-4-per-365-days/day-before-oldest-leaves",
        ESI_FOUR,
        ask("ESI_TF", "lumbar", "left", "2027-01-04"),
        refused(
            FREQUENCY,
            "2027-01-05",
            "12 months",
            "lumbar/sacral region",
            "already has 4",
            "2026-01-05",
        ),
        eligible_from="2027-01-05",
    ),
    case(
        "esi-4-per-365-days/day-oldest-leaves",
        ESI_FOUR,
        ask("ESI_TF", "lumbar", "left", "2027-01-05"),
    ),
    case(
        "si-joint-4-per-12-months/day-before-oldest-leaves",
        SI_LEFT_FOUR,
        ask("SI_JOINT", "sacral", "left", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "lumbar/sacral region", "already has 4", "2026-01-05"),
        eligible_from="2027-01-05",
    ),
    case(
        "si-joint-4-per-12-months/day-oldest-leaves",
        SI_LEFT_FOUR,
        ask("SI_JOINT", "sacral", "left", "2027-01-05"),
    ),
    case(
        "si-joint-4-per-12-months/the-other-side-counts-too",
        [*SI_LEFT_FOUR, done("SI_DIAG", "sacral", "right", "2025-12-01", 85)],
        ask("SI_JOINT", "sacral", "right", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "lumbar/sacral region", "already has 4"),
        eligible_from="2027-01-05",
    ),
    case(
        "si-joint-4-per-12-months/left-and-right-sessions-add-up",
        SI_LEFT_FOUR[:2] + SI_RIGHT_FOUR[:2],
        ask("SI_JOINT", "sacral", "left", "2026-12-01"),
        refused(FREQUENCY, "2027-01-05", "already has 4", "2026-02-02", "2026-05-04"),
        eligible_from="2027-01-05",
    ),
    case(
        "si-joint-4-per-12-months/a-bilateral-session-is-one-session",
        SI_BILATERAL_FOUR[:3],
        ask("SI_JOINT", "sacral", "bilateral", "2026-12-01"),
    ),
    case(
        "si-joint-4-per-12-months/bilateral-sessions-count",
        SI_BILATERAL_FOUR,
        ask("SI_JOINT", "sacral", "right", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "already has 4", "2026-01-05"),
        eligible_from="2027-01-05",
    ),
    case(
        "tpi-3-per-patient/any-region-day-before-oldest-leaves",
        TPI_THREE,
        ask("TPI", "lumbar", "left", "2027-01-04"),
        refused(FREQUENCY, "2027-01-05", "this patient", "already has 3", "2026-01-05"),
        eligible_from="2027-01-05",
    ),
    case(
        "tpi-3-per-patient/day-oldest-leaves",
        TPI_THREE,
        ask("TPI", "lumbar", "left", "2027-01-05"),
    ),
]

# --- Booked sessions and leap years ---------------------------------------------------------

TPI_BOOKED_AHEAD = [
    done("TPI", "lumbar", "left", "2026-01-05", 60),
    booked("TPI", "lumbar", "left", "2026-06-01"),
    booked("TPI", "lumbar", "left", "2026-09-01"),
]
BOOKED_CASES = [
    case(
        "booked/count-in-the-window-before-the-request",
        [
            done("TPI", "lumbar", "left", "2026-01-05", 60),
            booked("TPI", "lumbar", "left", "2026-06-01"),
            booked("TPI", "lumbar", "left", "2026-07-06"),
        ],
        ask("TPI", "lumbar", "left", "2026-10-05"),
        refused(FREQUENCY, "2027-01-05", "already has 3", "2026-06-01", "2026-07-06"),
        eligible_from="2027-01-05",
        today="2026-03-02",
        # A repeat after a booked trigger point session waits for its relief: the window
        # counting is judged alone here.
        sets=LIMITS_ONLY,
    ),
    case(
        # Squeezing one in before the booked ones would make 4 in the window ending 2026-09-01.
        # On 2026-06-01 it would be part of the session booked that day (one kind, one date).
        "booked/a-later-booked-session-window-would-overflow",
        TPI_BOOKED_AHEAD,
        ask("TPI", "lumbar", "left", "2026-03-02"),
        refused(FREQUENCY, "2026-06-01", "booked on 2026-09-01", "2026-01-05", "2026-06-01"),
        eligible_from="2026-06-01",
        today="2026-03-02",
    ),
    case(
        "booked/on-a-booked-session-day-it-is-that-session",
        TPI_BOOKED_AHEAD,
        ask("TPI", "lumbar", "left", "2026-06-01"),
        today="2026-03-02",
    ),
    case(
        "booked/the-day-after-a-booked-session-day",
        TPI_BOOKED_AHEAD,
        ask("TPI", "lumbar", "left", "2026-06-02"),
        refused(FREQUENCY, "2026-09-01", "would have 4", "booked on 2026-09-01"),
        eligible_from="2026-09-01",
        today="2026-03-02",
        # A repeat after a booked trigger point session waits for its relief: the window
        # counting is judged alone here.
        sets=LIMITS_ONLY,
    ),
    case(
        "booked/esi-13-days-before-a-booked-one",
        [booked("ESI_IL", "lumbar", "bilateral", "2026-06-15")],
        ask("ESI_TF", "lumbar", "right", "2026-06-02"),
        # After it, the booked one's relief must be recorded first: waiting alone cannot cure.
        refused(INTERVAL, "2026-06-29", "2026-06-15", "14 days", "2026-06-29"),
        eligible_from=None,
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "booked/esi-14-days-before-a-booked-one",
        [booked("ESI_IL", "lumbar", "bilateral", "2026-06-15")],
        ask("ESI_TF", "lumbar", "right", "2026-06-01"),
    ),
    case(
        "booked/esi-13-days-after-a-booked-one",
        [booked("ESI_IL", "lumbar", "bilateral", "2026-06-15")],
        ask("ESI_TF", "lumbar", "right", "2026-06-28"),
        refused(INTERVAL, "2026-06-29", "2026-06-15", "14 days"),
        refused(PENDING, None, "2026-06-15", "booked and not done yet"),
        eligible_from=None,
        today="2026-06-01",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "booked/esi-14-days-after-a-booked-one-needs-its-relief",
        [booked("ESI_IL", "lumbar", "bilateral", "2026-06-15")],
        ask("ESI_TF", "lumbar", "right", "2026-06-29"),
        refused(PENDING, None, "2026-06-15", "booked and not done yet"),
        eligible_from=None,
        today="2026-06-01",
    ),
    case(
        # 2027-03-01 + 365 days is 2028-02-29, not the calendar anniversary 2028-03-01.
        "leap-year/tpi-window-across-2028-02-29-day-before",
        [
            done("TPI", "lumbar", "left", "2027-03-01", 60),
            done("TPI", "lumbar", "left", "2027-06-01", 60),
            done("TPI", "lumbar", "left", "2027-09-01", 60),
        ],
        ask("TPI", "lumbar", "left", "2028-02-28"),
        refused(FREQUENCY, "2028-02-29", "2027-03-01"),
        eligible_from="2028-02-29",
    ),
    case(
        "leap-year/tpi-window-across-2028-02-29-day-of",
        [
            done("TPI", "lumbar", "left", "2027-03-01", 60),
            done("TPI", "lumbar", "left", "2027-06-01", 60),
            done("TPI", "lumbar", "left", "2027-09-01", 60),
        ],
        ask("TPI", "lumbar", "left", "2028-02-29"),
    ),
    case(
        "leap-year/repeat-rfa-183-days-across-2028-02-29-day-before",
        [done("RFA", "lumbar", "right", "2027-09-01", 60)],
        ask("RFA", "lumbar", "right", "2028-03-01"),
        refused(INTERVAL, "2028-03-02", "2027-09-01, 60%", "from 2028-03-02"),
        eligible_from="2028-03-02",
    ),
    case(
        "leap-year/repeat-rfa-183-days-across-2028-02-29-day-of",
        [done("RFA", "lumbar", "right", "2027-09-01", 60)],
        ask("RFA", "lumbar", "right", "2028-03-02"),
    ),
    case(
        # 2027-03-02 is 365 days before 2028-03-01: a calendar reading would keep it.
        "leap-year/psych-evaluation-365-days-before-across-2028-02-29",
        [],
        ask("SCS_TRIAL", "lumbar", "bilateral", "2028-03-01"),
        refused(PSYCH, None, "psychological evaluation", "365 days"),
        eligible_from=None,
        evaluations=(psych("2027-03-02"),),
    ),
    case(
        "leap-year/psych-evaluation-364-days-before-across-2028-02-29",
        [],
        ask("SCS_TRIAL", "lumbar", "bilateral", "2028-03-01"),
        evaluations=(psych("2027-03-03"),),
    ),
]

# --- Epidurals: spacing and response --------------------------------------------------------

ESI_CASES = [
    case(
        "esi-14-days-apart/13-days-after",
        [done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 80)],
        ask("ESI_TF", "lumbar", "left", "2026-05-17"),
        refused(INTERVAL, "2026-05-18", "lumbar/sacral region", "2026-05-04", "14 days"),
        eligible_from="2026-05-18",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "esi-14-days-apart/14-days-after",
        [done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 80)],
        ask("ESI_TF", "lumbar", "left", "2026-05-18"),
    ),
    case(
        "esi-14-days-apart/caudal-recorded-sacral-spaced-from-lumbar",
        [done("ESI_CAUDAL", "sacral", "bilateral", "2026-05-04", 80)],
        ask("ESI_IL", "lumbar", "left", "2026-05-17"),
        refused(INTERVAL, "2026-05-18", "lumbar/sacral region", "2026-05-04"),
        eligible_from="2026-05-18",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "esi-14-days-apart/other-region-not-spaced",
        [done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 80)],
        ask("ESI_IL", "cervical", "left", "2026-05-05"),
    ),
    case(
        "esi-repeat/previous-49-percent",
        [done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 49)],
        ask("ESI_TF", "lumbar", "left", "2026-06-01"),
        # Older than the 365-day lookback it no longer makes this a repeat.
        refused(RESPONSE, "2027-05-04", "2026-05-04", "49%", "50%"),
        eligible_from="2027-05-04",
    ),
    case(
        "esi-repeat/previous-50-percent",
        [done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 50)],
        ask("ESI_TF", "lumbar", "left", "2026-06-01"),
    ),
    case(
        "esi-repeat/previous-unrecorded",
        [done("ESI_IL", "lumbar", "bilateral", "2026-05-04")],
        ask("ESI_TF", "lumbar", "left", "2026-06-01"),
        refused(PENDING, None, "2026-05-04", "no relief recorded"),
        eligible_from=None,
    ),
    case(
        # Asked about a past date: from the day after the later 80% one, it is the previous.
        "esi-repeat/a-later-good-epidural-becomes-the-previous-one",
        [
            done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 30),
            done("ESI_IL", "lumbar", "bilateral", "2026-07-06", 80),
        ],
        ask("ESI_TF", "lumbar", "left", "2026-06-01"),
        refused(RESPONSE, "2026-07-07", "2026-05-04", "30%"),
        eligible_from="2026-07-20",
        today="2026-08-03",
        # Medicare has no 3-per-6-months cap and no 14-day spacing (test_rules_medicare).
        sets=NOT_MEDICARE,
    ),
    case(
        "esi-repeat/only-the-latest-counts-good-after-poor",
        [
            done("ESI_IL", "lumbar", "bilateral", "2026-03-02", 30),
            done("ESI_IL", "lumbar", "bilateral", "2026-05-04", 70),
        ],
        ask("ESI_TF", "lumbar", "left", "2026-06-01"),
    ),
    case(
        "esi-repeat/only-the-latest-counts-poor-after-good",
        [
            done("ESI_IL", "lumbar", "bilateral", "2026-03-02", 70),
            done("ESI_TF", "lumbar", "left", "2026-05-04", 40),
        ],
        ask("ESI_TF", "lumbar", "left", "2026-06-01"),
        refused(RESPONSE, "2027-05-04", "2026-05-04", "40%"),
        eligible_from="2027-05-04",
    ),
]

# --- Facet pathway: blocks, then ablation ---------------------------------------------------

RFA_RIGHT = ask("RFA", "lumbar", "right", "2026-10-20")
RFA_BILATERAL = ask("RFA", "lumbar", "bilateral", "2026-10-20")
NEEDS_RIGHT = "RFA of the lumbar right side needs two diagnostic blocks"
NEEDS_LEFT = "RFA of the lumbar left side needs two diagnostic blocks"

FACET_CASES = [
    case(
        "rfa-blocks/none",
        [],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "found none"),
        eligible_from=None,
    ),
    case(
        "rfa-blocks/one-positive-needs-one-more",
        [done("MBB", "lumbar", "right", "2026-10-02", 85)],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "found one, on 2026-10-02, 85%", "One more block"),
        eligible_from=None,
    ),
    case(
        "rfa-blocks/two-at-80-percent",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 80),
            done("MBB", "lumbar", "right", "2026-10-02", 80),
        ],
        RFA_RIGHT,
    ),
    case(
        "rfa-blocks/only-the-two-most-recent-count-old-negative",
        [
            done("MBB", "lumbar", "right", "2026-08-03", 30),
            done("MBB", "lumbar", "right", "2026-09-14", 85),
            done("MBB", "lumbar", "right", "2026-10-02", 90),
        ],
        RFA_RIGHT,
    ),
    case(
        "rfa-blocks/only-the-two-most-recent-count-new-negative",
        [
            done("MBB", "lumbar", "right", "2026-08-03", 85),
            done("MBB", "lumbar", "right", "2026-09-14", 90),
            done("MBB", "lumbar", "right", "2026-10-02", 30),
        ],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "on 2026-10-02, 30%", "start again"),
        eligible_from=None,
    ),
    case(
        "rfa-blocks/latest-79-percent-start-again",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 85),
            done("MBB", "lumbar", "right", "2026-10-02", 79),
        ],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "on 2026-10-02, 79%", "80%", "start again"),
        eligible_from=None,
        sets=BLOCKS_AT_80,
    ),
    case(
        "rfa-blocks/earlier-79-percent-one-more-positive",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 79),
            done("MBB", "lumbar", "right", "2026-10-02", 85),
        ],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "on 2026-09-14, 79%", "One more positive block"),
        eligible_from=None,
        sets=BLOCKS_AT_80,
    ),
    case(
        "rfa-blocks/latest-negative-under-every-threshold-start-again",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 90),
            done("MBB", "lumbar", "right", "2026-10-02", 30),
        ],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "on 2026-10-02, 30%", "start again"),
        eligible_from=None,
    ),
    case(
        "rfa-blocks/two-on-the-same-day-are-one",
        [
            done("MBB", "lumbar", "right", "2026-10-02", 85),
            done("MBB", "lumbar", "bilateral", "2026-10-02", 90),
        ],
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "found one, on 2026-10-02"),
        eligible_from=None,
    ),
    case(
        "rfa-blocks/latest-unrecorded",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 90),
            done("MBB", "lumbar", "right", "2026-10-02"),
        ],
        RFA_RIGHT,
        refused(
            PENDING, None, "relief not recorded", "Record the relief of the block on 2026-10-02"
        ),
        eligible_from=None,
    ),
    case(
        "rfa-blocks/latest-booked-not-done",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 90),
            booked("MBB", "lumbar", "right", "2026-10-09"),
        ],
        RFA_RIGHT,
        refused(
            PENDING, None, "2026-10-09, booked", "Record the relief of the block on 2026-10-09"
        ),
        eligible_from=None,
        today="2026-10-01",
    ),
    case(
        "rfa-blocks/blocks-before-the-last-ablation-do-not-count",
        [
            done("MBB", "lumbar", "right", "2025-11-03", 85),
            done("MBB", "lumbar", "right", "2025-12-01", 90),
            done("RFA", "lumbar", "right", "2026-01-05", 30),
        ],
        RFA_RIGHT,
        refused(
            PATHWAY,
            None,
            NEEDS_RIGHT,
            "since the last ablation on 2026-01-05 (it gave 30% relief, under the 50% needed)",
            "found none",
        ),
        eligible_from=None,
    ),
    case(
        "rfa-repeat/prior-under-50-with-two-new-positive-blocks",
        [
            done("RFA", "lumbar", "right", "2026-01-05", 30),
            done("MBB", "lumbar", "right", "2026-03-02", 85),
            done("MBB", "lumbar", "right", "2026-03-16", 90),
        ],
        ask("RFA", "lumbar", "right", "2026-04-06"),
    ),
    case(
        "rfa-repeat/prior-50-percent-day-before-183-days",
        [done("RFA", "lumbar", "right", "2026-01-05", 50)],
        ask("RFA", "lumbar", "right", "2026-07-06"),
        refused(INTERVAL, "2026-07-07", "lumbar right side", "2026-01-05, 50%", "from 2026-07-07"),
        eligible_from="2026-07-07",
    ),
    case(
        "rfa-repeat/prior-50-percent-day-of-183-days",
        [done("RFA", "lumbar", "right", "2026-01-05", 50)],
        ask("RFA", "lumbar", "right", "2026-07-07"),
    ),
    case(
        "rfa-repeat/prior-49-percent-needs-two-new-blocks",
        [done("RFA", "lumbar", "right", "2026-01-05", 49)],
        ask("RFA", "lumbar", "right", "2026-07-07"),
        refused(
            PATHWAY, None, NEEDS_RIGHT, "it gave 49% relief, under the 50% needed", "found none"
        ),
        eligible_from=None,
    ),
    case(
        "rfa-repeat/prior-unrecorded",
        [done("RFA", "lumbar", "right", "2026-01-05")],
        ask("RFA", "lumbar", "right", "2026-07-07"),
        refused(PENDING, None, "2026-01-05", "no relief recorded"),
        eligible_from=None,
    ),
    case(
        "rfa-repeat/a-left-ablation-is-no-prior-for-the-right",
        [done("RFA", "lumbar", "left", "2026-01-05", 70)],
        ask("RFA", "lumbar", "right", "2026-07-07"),
        refused(PATHWAY, None, NEEDS_RIGHT, "found none"),
        eligible_from=None,
    ),
    case(
        "second-block/while-first-unrecorded",
        [done("MBB", "lumbar", "right", "2026-10-02")],
        ask("MBB", "lumbar", "right", "2026-10-09"),
        refused(PENDING, None, "2026-10-02", "no relief recorded", "before booking another block"),
        eligible_from=None,
    ),
    case(
        "second-block/while-first-booked",
        [booked("MBB", "lumbar", "right", "2026-10-02")],
        ask("MBB", "lumbar", "right", "2026-10-09"),
        refused(PENDING, None, "2026-10-02", "booked and not done yet"),
        eligible_from=None,
        today="2026-09-28",
    ),
    case(
        "second-block/after-first-recorded",
        [done("MBB", "lumbar", "right", "2026-10-02", 85)],
        ask("MBB", "lumbar", "right", "2026-10-09"),
    ),
    case(
        "second-block/first-on-the-other-side-does-not-hold-it",
        [done("MBB", "lumbar", "left", "2026-10-02")],
        ask("MBB", "lumbar", "right", "2026-10-09"),
    ),
    case(
        "rfa-bilateral/bilateral-blocks-cover-both-sides",
        [
            done("MBB", "lumbar", "bilateral", "2026-09-14", 85),
            done("MBB", "lumbar", "bilateral", "2026-10-02", 90),
        ],
        RFA_BILATERAL,
    ),
    case(
        "rfa-bilateral/bilateral-blocks-cover-a-right-rfa",
        [
            done("MBB", "lumbar", "bilateral", "2026-09-14", 85),
            done("MBB", "lumbar", "bilateral", "2026-10-02", 90),
        ],
        RFA_RIGHT,
    ),
    case(
        "rfa-bilateral/left-blocks-leave-the-right-side-uncovered",
        [
            done("MBB", "lumbar", "left", "2026-09-14", 85),
            done("MBB", "lumbar", "left", "2026-10-02", 90),
        ],
        RFA_BILATERAL,
        refused(PATHWAY, None, NEEDS_RIGHT, "found none"),
        eligible_from=None,
    ),
    case(
        "rfa-bilateral/a-left-block-alone",
        [done("MBB", "lumbar", "left", "2026-10-02", 85)],
        RFA_BILATERAL,
        refused(PATHWAY, None, NEEDS_LEFT, "found one, on 2026-10-02, 85%", "One more block"),
        refused(PATHWAY, None, NEEDS_RIGHT, "found none"),
        eligible_from=None,
    ),
    case(
        "rfa-bilateral/left-block-and-bilateral-block",
        [
            done("MBB", "lumbar", "left", "2026-09-14", 85),
            done("MBB", "lumbar", "bilateral", "2026-10-02", 90),
        ],
        RFA_BILATERAL,
        refused(PATHWAY, None, NEEDS_RIGHT, "found one, on 2026-10-02, 90%"),
        eligible_from=None,
    ),
    case(
        # The left side only has to wait; the right side needs blocks, which waiting cannot give.
        "rfa-bilateral/each-side-keeps-its-own-date",
        [done("RFA", "lumbar", "left", "2026-01-05", 60)],
        ask("RFA", "lumbar", "bilateral", "2026-04-06"),
        refused(INTERVAL, "2026-07-07", "lumbar left side", "from 2026-07-07"),
        refused(PATHWAY, None, NEEDS_RIGHT, "found none"),
        eligible_from=None,
    ),
]

# --- Payer variants -------------------------------------------------------------------------

BLOCKS_AT_60 = [
    done("MBB", "lumbar", "right", "2026-09-14", 60),
    done("MBB", "lumbar", "right", "2026-10-02", 60),
]
PAYER_CASES = [
    case(
        "payer/60-percent-blocks-refused-at-80",
        BLOCKS_AT_60,
        RFA_RIGHT,
        refused(PATHWAY, None, NEEDS_RIGHT, "at least 80% relief", "2026-10-02, 60%"),
        eligible_from=None,
        sets=BLOCKS_AT_80,
    ),
    case(
        "payer/60-percent-blocks-allowed-commercial", BLOCKS_AT_60, RFA_RIGHT, sets=("commercial",)
    ),
    case(
        "payer/commercial-block-at-50-percent",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 50),
            done("MBB", "lumbar", "right", "2026-10-02", 50),
        ],
        RFA_RIGHT,
        sets=("commercial",),
    ),
    case(
        "payer/commercial-latest-block-at-49-percent",
        [
            done("MBB", "lumbar", "right", "2026-09-14", 90),
            done("MBB", "lumbar", "right", "2026-10-02", 49),
        ],
        RFA_RIGHT,
        refused(
            PATHWAY, None, NEEDS_RIGHT, "at least 50% relief", "2026-10-02, 49%", "start again"
        ),
        eligible_from=None,
        sets=("commercial",),
    ),
]

# --- Spinal cord stimulation ----------------------------------------------------------------

SCS_TRIAL = ask("SCS_TRIAL", "lumbar", "bilateral", "2026-11-02")
TRIAL_HISTORY = "2026-05-04"


def trial(relief: int | None, recorded_on: str | None) -> Session:
    return done("SCS_TRIAL", "lumbar", "bilateral", TRIAL_HISTORY, relief, recorded_on=recorded_on)


def implant(on: str) -> Request:
    return ask("SCS_IMPLANT", "lumbar", "bilateral", on)


SCS_CASES = [
    case(
        "scs-trial/cleared-364-days-before",
        [],
        SCS_TRIAL,
        evaluations=(psych("2025-11-03"),),
    ),
    case(
        "scs-trial/cleared-365-days-before",
        [],
        SCS_TRIAL,
        refused(PSYCH, None, "psychological evaluation", "365 days", "none is on file"),
        eligible_from=None,
        evaluations=(psych("2025-11-02"),),
    ),
    case(
        "scs-trial/cleared-on-the-day",
        [],
        SCS_TRIAL,
        evaluations=(psych("2026-11-02"),),
    ),
    case(
        "scs-trial/no-evaluation",
        [],
        SCS_TRIAL,
        refused(PSYCH, None, "none is on file"),
        eligible_from=None,
    ),
    case(
        # The most recent evaluation decides: a later one that does not clear the patient
        # withdraws an earlier clearance.
        "scs-trial/later-evaluation-withdraws-clearance",
        [],
        SCS_TRIAL,
        refused(PSYCH, None, "the evaluation on 2026-09-01 did not clear the patient"),
        eligible_from=None,
        evaluations=(psych("2026-06-01"), psych("2026-09-01", cleared=False)),
    ),
    case(
        "scs-trial/later-clearance-restores-it",
        [],
        SCS_TRIAL,
        evaluations=(psych("2026-06-01", cleared=False), psych("2026-09-01")),
    ),
    case(
        "scs-trial/evaluation-did-not-clear",
        [],
        SCS_TRIAL,
        refused(PSYCH, None, "the evaluation on 2026-06-01 did not clear the patient"),
        eligible_from=None,
        evaluations=(psych("2026-06-01", cleared=False),),
    ),
    case(
        "scs-implant/no-trial",
        [],
        implant("2026-06-01"),
        refused(PATHWAY, None, "SCS_TRIAL first"),
        eligible_from=None,
    ),
    case(
        # A trial done elsewhere, entered as history with its relief (no recording date).
        "scs-implant/trial-running-relief-known",
        [trial(70, None)],
        implant("2026-05-10"),
        refused(PATHWAY, "2026-05-11", "2026-05-04", "runs until 2026-05-11"),
        eligible_from="2026-05-11",
    ),
    case(
        # Ending the trial does not record its relief: waiting alone cannot cure this.
        "scs-implant/trial-running-relief-unrecorded",
        [trial(None, None)],
        implant("2026-05-10"),
        refused(PATHWAY, None, "runs until 2026-05-11", "relief is recorded"),
        eligible_from=None,
    ),
    case(
        "scs-implant/trial-booked",
        [booked("SCS_TRIAL", "lumbar", "bilateral", TRIAL_HISTORY)],
        implant("2026-05-08"),
        refused(PATHWAY, None, "runs until 2026-05-11"),
        eligible_from=None,
        today="2026-04-20",
    ),
    case(
        "scs-implant/relief-recorded-the-day-the-trial-ended",
        [trial(70, "2026-05-11")],
        implant("2026-05-11"),
    ),
    case(
        "scs-implant/relief-recorded-before-the-trial-ended",
        [trial(70, "2026-05-10")],
        implant("2026-05-12"),
        refused(PENDING, None, "2026-05-04", "after the trial ended on 2026-05-11"),
        eligible_from=None,
    ),
    case(
        "scs-implant/relief-unrecorded",
        [trial(None, None)],
        implant("2026-05-12"),
        refused(PENDING, None, "Record the relief", "2026-05-04"),
        eligible_from=None,
    ),
    case(
        "scs-implant/trial-49-percent",
        [trial(49, "2026-05-11")],
        implant("2026-05-12"),
        refused(RESPONSE, None, "gave 49% relief", "at least 50%"),
        eligible_from=None,
    ),
    case("scs-implant/trial-50-percent", [trial(50, "2026-05-11")], implant("2026-05-12")),
]

CASES = FREQUENCY_CASES + BOOKED_CASES + ESI_CASES + FACET_CASES + PAYER_CASES + SCS_CASES


def test_case_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("row", "rule_set_code"),
    [pytest.param(row, code, id=f"{code}/{row.name}") for row in CASES for code in row.sets],
)
def test_rule_edges(row: Case, rule_set_code: str) -> None:
    decision = judge(
        row.history,
        row.request,
        rule_set_code,
        evaluations=row.evaluations,
        today=row.today,
    )

    details = [v.detail for v in decision.violations]
    assert [(v.code, v.eligible_from) for v in decision.violations] == [
        (r.code, r.eligible_from) for r in row.violations
    ], details
    for violation, expected in zip(decision.violations, row.violations, strict=True):
        for words in expected.mentions:
            assert words in violation.detail
    assert decision.allowed == (not row.violations)
    assert decision.eligible_from == row.eligible_from


@pytest.mark.parametrize("rule_set_code", ["default", "evicore"])
def test_one_positive_block_names_the_block_found(rule_set_code: str) -> None:
    decision = judge([done("MBB", "lumbar", "right", "2026-10-02", 85)], RFA_RIGHT, rule_set_code)

    (violation,) = decision.violations
    assert violation.detail == (
        "RFA of the lumbar right side needs two diagnostic blocks with at least 80% relief; "
        "found one, on 2026-10-02, 85%. One more block is needed."
    )


def test_sentences_use_the_catalog_names() -> None:
    facts = Facts(
        (done("MBB", "lumbar", "right", "2026-10-02", 85),),
        names={"RFA": "radiofrequency ablation", "MBB": "medial branch block"},
    )

    decision = evaluate(facts, RFA_RIGHT, DEFAULT, RFA_RIGHT.on)

    assert decision.violations[0].detail.startswith(
        "radiofrequency ablation of the lumbar right side needs two diagnostic blocks"
    )


def test_refusal_serializes_for_the_api() -> None:
    decision = judge(TPI_THREE, ask("TPI", "lumbar", "left", "2027-01-04"))

    assert [v.as_dict()["eligible_from"] for v in decision.violations] == ["2027-01-05"]
    assert decision.violations[0].as_dict()["code"] == FREQUENCY
