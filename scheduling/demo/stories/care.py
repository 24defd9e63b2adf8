"""Stories of stimulators, blood thinners and the rest: what the checklists and holds are for."""

from __future__ import annotations

import datetime as dt

from procedures.models import AuthorizationStatus as Auth
from scheduling.demo.cases import Ticks
from scheduling.demo.days import ClinicDays
from scheduling.demo.people import Authorization, Profile, mrn
from scheduling.demo.stories.kit import (
    SMS,
    Story,
    approved,
    booked,
    done,
    outside,
)


def stimulator_stories(d: ClinicDays) -> list[Story]:
    return [
        Story(
            "SCS trial running",
            Profile(
                mrn(19),
                "Thomas",
                "Byrne",
                dt.date(1963, 8, 14),
                "medicare",
                psych=((d.weekday_before(60), True),),
                authorizations=(approved("SCS_TRIAL", d.weekday_before(35), d.ahead(30)),),
            ),
            (done("SCS_TRIAL", "thoracic", "bilateral", d.ago(3), 65, after=dt.time(9)),),
        ),
        Story(
            "SCS trial gave 70%: implant allowed and booked, authorization pending",
            Profile(
                mrn(20),
                "Ursula",
                "Kane",
                dt.date(1959, 12, 1),
                "aetna",
                SMS,
                psych=((d.weekday_before(90), True),),
                authorizations=(
                    approved("SCS_TRIAL", d.weekday_before(50), d.weekday_before(10)),
                    Authorization("SCS_IMPLANT", Auth.REQUESTED),
                ),
            ),
            (
                done("SCS_TRIAL", "thoracic", "bilateral", d.ago(25), 70),
                booked("SCS_IMPLANT", "thoracic", "bilateral", d.ahead(14), after=dt.time(12)),
            ),
        ),
        Story(
            "SCS trial wanted, no psychological evaluation on file",
            Profile(
                mrn(21),
                "Victor",
                "Petrov",
                dt.date(1958, 4, 4),
                "uhc",
                history=(outside("ESI_TF", "lumbar", "left", d.weekday_before(400), 40),),
                authorizations=(Authorization("SCS_TRIAL", Auth.DENIED),),
            ),
        ),
        Story(
            "SCS trial wanted, psychological evaluation too old",
            Profile(
                mrn(22),
                "Wendy",
                "Foster",
                dt.date(1950, 10, 10),
                "medicare",
                psych=((d.weekday_before(420), True),),
            ),
        ),
        Story(
            "SCS trial gave 35%: no implant",
            Profile(
                mrn(23),
                "Xavier",
                "Dubois",
                dt.date(1967, 2, 18),
                "cigna",
                SMS,
                psych=((d.weekday_before(110), True),),
                authorizations=(approved("SCS_TRIAL", d.weekday_before(60), d.weekday_before(20)),),
            ),
            (done("SCS_TRIAL", "thoracic", "bilateral", d.ago(40), 35),),
        ),
        Story(
            "SCS implant done after a good trial",
            Profile(
                mrn(24),
                "Yasmin",
                "Khalil",
                dt.date(1964, 6, 29),
                "medicare",
                psych=((d.weekday_before(150), True),),
                authorizations=(
                    approved("SCS_TRIAL", d.weekday_before(100), d.weekday_before(60)),
                    approved("SCS_IMPLANT", d.weekday_before(60), d.weekday_before(20)),
                ),
            ),
            (
                done("SCS_TRIAL", "thoracic", "bilateral", d.ago(80), 80),
                done("SCS_IMPLANT", "thoracic", "bilateral", d.ago(40), 75),
            ),
        ),
    ]


def mid_hold_day(d: ClinicDays) -> dt.date:
    """The case day of a warfarin patient whose five-day hold has begun. Warfarin's last
    dose is six days before the case: yesterday for a case in five days (the first day
    without it is today), else today, else (a weekend in the way) the nearest day before."""
    for days in (5, 6, 4, 3, 2, 1):
        day = d.today + dt.timedelta(days=days)
        if d.is_open(day):
            return day
    raise AssertionError("The clinic opens at least once in six days.")


def other_stories(d: ClinicDays) -> list[Story]:
    t1, t2 = d.next_open(d.today), d.next_open(d.today, 2)
    return [
        Story(
            "warfarin held: last dose today or just before, case in a few days",
            Profile(
                mrn(25),
                "Zoe",
                "Mitchell",
                dt.date(1948, 9, 17),
                "medicare",
                SMS,
                drugs=("warfarin",),
            ),
            (
                booked(
                    "ESI_TF",
                    "lumbar",
                    "right",
                    mid_hold_day(d),
                    after=dt.time(10),
                    booked_days_before=16,
                    ticks=Ticks.SOME,
                ),
            ),
        ),
        Story(
            "apixaban: hold planned, stop reminder due",
            Profile(mrn(26), "Arthur", "Bennett", dt.date(1953, 1, 22), "uhc", drugs=("apixaban",)),
            (booked("ESI_IL", "cervical", "right", d.ahead(5), after=dt.time(9)),),
        ),
        Story(
            "case needs attention: clopidogrel reported after booking, hold cannot be met",
            Profile(
                mrn(27),
                "Beatrice",
                "Olsen",
                dt.date(1961, 3, 3),
                "medicaid",
                SMS,
                drugs_after_booking=("clopidogrel",),
            ),
            (
                done("ESI_TF", "lumbar", "left", d.ago(45), 70),
                booked("ESI_TF", "lumbar", "left", t1, after=dt.time(15), ticks=Ticks.SOME),
            ),
        ),
        Story(
            "kyphoplasty under sedation: nil by mouth and a driver",
            Profile(mrn(29), "Dorothy", "Evans", dt.date(1941, 11, 28), "medicare"),
            (
                booked(
                    "KYPHOPLASTY", "thoracic", "bilateral", t1, after=dt.time(12), ticks=Ticks.SOME
                ),
            ),
        ),
        Story(
            "reminders fail: the email address on file bounces",
            Profile(mrn(30), "Edward", "Kim", dt.date(1977, 5, 5), "uhc", bounces=True),
            (
                done("TPI", "cervical", "left", d.ago(70), 60),
                booked("TPI", "cervical", "left", t1, after=dt.time(15)),
            ),
        ),
        Story(
            "SI joint: a diagnostic block, then injections; the second one last month, once "
            "the first's relief had lasted three months",
            Profile(mrn(31), "Fatima", "Rahman", dt.date(1969, 9, 21), "aetna"),
            (
                done("SI_DIAG", "sacral", "right", d.ago(150), 85),
                done("SI_JOINT", "sacral", "right", d.ago(125), 70),
                done("SI_JOINT", "sacral", "right", d.ago(20), 65),
            ),
        ),
        Story(
            "therapeutic enoxaparin: an hours-long hold timed by the nurse",
            Profile(
                mrn(32),
                "George",
                "Walker",
                dt.date(1956, 12, 19),
                "medicaid",
                drugs=("enoxaparin_therapeutic",),
            ),
            (
                done("SYMPATHETIC", "lumbar", "left", d.ago(14), 60),
                booked("SYMPATHETIC", "lumbar", "left", t2, after=dt.time(13)),
            ),
        ),
    ]
