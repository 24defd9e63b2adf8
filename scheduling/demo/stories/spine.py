"""Stories of the spine pathways: facet blocks and ablations, epidurals, SI joints.

A repeat needs the previous one's relief to have lasted (DOMAIN.md): history from elsewhere
says how long in its `relief_days`; a case done here proves it with the relief follow-up
the demo's nurses record on the day its reminder falls.
"""

from __future__ import annotations

import datetime as dt

from scheduling.demo.cases import Ticks
from scheduling.demo.days import ClinicDays
from scheduling.demo.people import Profile, mrn
from scheduling.demo.stories.kit import (
    NOT_YET,
    SMS,
    Story,
    approved,
    booked,
    done,
    outside,
)


def facet_stories(d: ClinicDays) -> list[Story]:
    t1 = d.next_open(d.today)
    return [
        Story(
            "facet: first block positive, second block not booked yet",
            Profile(
                mrn(1),
                "Alice",
                "Moreno",
                dt.date(1958, 3, 14),
                "medicare",
                authorizations=(
                    approved("MBB", d.weekday_before(40), d.ahead(150)),
                    approved("RFA", d.weekday_before(40), d.ahead(150)),
                ),
            ),
            (done("MBB", "lumbar", "right", d.ago(10), 85, after=dt.time(9)),),
        ),
        Story(
            "facet: first block positive, second block booked for the next clinic day",
            Profile(mrn(2), "Ben", "Okafor", dt.date(1971, 11, 2), "aetna", SMS, diabetic=True),
            (
                done("MBB", "lumbar", "left", d.ago(8), 90),
                booked("MBB", "lumbar", "left", t1, after=dt.time(9), ticks=Ticks.SOME),
            ),
        ),
        Story(
            "facet under a commercial payer (blocks positive at 50%): RFA booked",
            Profile(mrn(3), "Carmen", "Silva", dt.date(1965, 7, 23), "bcbs"),
            (
                done("MBB", "lumbar", "bilateral", d.ago(36), 60),
                done("MBB", "lumbar", "bilateral", d.ago(15), 65),
                booked(
                    "RFA",
                    "lumbar",
                    "bilateral",
                    t1,
                    after=dt.time(10),
                    sedation=True,
                    ticks=Ticks.SOME,
                ),
            ),
        ),
        Story(
            "repeat RFA allowed; the authorization runs out before the case",
            Profile(
                mrn(7),
                "Grace",
                "Lindqvist",
                dt.date(1952, 6, 11),
                "medicare",
                history=(
                    outside("MBB", "lumbar", "right", d.weekday_before(330), 85),
                    outside("MBB", "lumbar", "right", d.weekday_before(310), 90),
                    # Relief wore off after more than the six months a repeat needs.
                    outside("RFA", "lumbar", "right", d.weekday_before(240), 70, relief_days=200),
                ),
                authorizations=(approved("RFA", d.weekday_before(20), d.ahead(5)),),
            ),
            (booked("RFA", "lumbar", "right", d.ahead(10), after=dt.time(13), sedation=True),),
        ),
        Story(
            "repeat RFA too soon: relief lasted the 12 weeks eviCore asks; allowed six months "
            "after the last one",
            Profile(
                mrn(8),
                "Hiroshi",
                "Tanaka",
                dt.date(1960, 2, 27),
                # eviCore asks for relief lasting 12 weeks; the other sets ask for 6 months,
                # which no follow-up can prove before the 6 months between ablations are
                # over. So only under eviCore is a repeat "too soon" with a date.
                "cigna",
                SMS,
                history=(
                    outside("MBB", "cervical", "left", d.weekday_before(160), 85),
                    outside("MBB", "cervical", "left", d.weekday_before(140), 90),
                    outside("RFA", "cervical", "left", d.weekday_before(100), 75, relief_days=90),
                ),
            ),
        ),
        Story(
            "facet: two positive blocks, RFA allowed now",
            Profile(mrn(9), "Ines", "Duarte", dt.date(1968, 12, 3), "medicaid"),
            (
                done("MBB", "cervical", "right", d.ago(45), 85),
                done("MBB", "cervical", "right", d.ago(22), 90),
            ),
        ),
        Story(
            "facet: a negative block, start again with a new first block",
            Profile(mrn(10), "Jamal", "Price", dt.date(1979, 8, 19), "medicaid", SMS),
            (done("MBB", "lumbar", "right", d.ago(12), 40),),
        ),
        Story(
            "facet: block done, pain diary not back (relief to record)",
            Profile(mrn(11), "Katarzyna", "Nowak", dt.date(1962, 5, 8), "cigna"),
            (done("MBB", "lumbar", "left", d.ago(1), NOT_YET, after=dt.time(11)),),
        ),
        Story(
            "facet pathway done here: two blocks and an RFA; its six-month follow-up is ahead",
            Profile(mrn(12), "Luis", "Ortega", dt.date(1957, 10, 21), "uhc"),
            (
                done("MBB", "lumbar", "left", d.ago(95), 85),
                done("MBB", "lumbar", "left", d.ago(75), 90),
                done("RFA", "lumbar", "left", d.ago(45), 75, sedation=True),
            ),
        ),
        Story(
            "low-risk block for a patient on clopidogrel: no hold needed",
            Profile(
                mrn(28), "Carlos", "Romero", dt.date(1972, 7, 16), "bcbs", drugs=("clopidogrel",)
            ),
            (booked("MBB", "lumbar", "right", t1, after=dt.time(14)),),
        ),
    ]


def epidural_stories(d: ClinicDays) -> list[Story]:
    t1, t2 = d.next_open(d.today), d.next_open(d.today, 2)
    return [
        Story(
            "diabetic on a steroid injection (SI joint, a positive block and a lasting relief "
            "before it): glucose on the day",
            Profile(
                mrn(4),
                "David",
                "Kowalski",
                dt.date(1949, 1, 30),
                "medicare",
                diabetic=True,
                history=(
                    outside("SI_DIAG", "sacral", "left", d.weekday_before(240), 85),
                    outside(
                        "SI_JOINT", "sacral", "left", d.weekday_before(210), 70, relief_days=120
                    ),
                ),
            ),
            (booked("SI_JOINT", "sacral", "left", t1, after=dt.time(8), ticks=Ticks.SOME),),
        ),
        Story(
            "ESI repeat booked under a commercial payer",
            Profile(mrn(5), "Erin", "Walsh", dt.date(1983, 9, 5), "tricare", SMS),
            (
                done("ESI_TF", "lumbar", "left", d.ago(50), 70),
                booked("ESI_TF", "lumbar", "left", t2, after=dt.time(9)),
            ),
        ),
        Story(
            "ESIs at their limit: three in six months, the next allowed on a date",
            Profile(
                mrn(6),
                "Farid",
                "Haddad",
                dt.date(1976, 4, 18),
                None,
                history=(
                    outside("ESI_TF", "lumbar", "right", d.weekday_before(150), 70, relief_days=60),
                ),
            ),
            (
                done("ESI_TF", "lumbar", "right", d.ago(85), 65),
                done("ESI_TF", "lumbar", "right", d.ago(30), 60),
            ),
        ),
        Story(
            "Medicare ESI six weeks ago, 70% at two weeks: a repeat waits for the relief "
            "follow-up at three months",
            Profile(mrn(13), "Mei", "Lin", dt.date(1954, 1, 15), "medicare", SMS),
            (done("ESI_IL", "cervical", "left", d.ago(40), 70),),
        ),
        Story(
            "diabetic on an ESI: glucose on the day (Medicare: the last one's relief lasted "
            "three months)",
            Profile(mrn(14), "Noah", "Fischer", dt.date(1955, 9, 9), "medicare", diabetic=True),
            (
                done("ESI_TF", "lumbar", "right", d.ago(100), 70),
                booked("ESI_TF", "lumbar", "right", t1, after=dt.time(11), ticks=Ticks.SOME),
            ),
        ),
        Story(
            "contrast allergy, booked for an ESI",
            Profile(
                mrn(15), "Olivia", "Brooks", dt.date(1981, 4, 30), "bcbs", contrast_allergy=True
            ),
            (
                done("ESI_IL", "lumbar", "left", d.ago(70), 60),
                # From 14:00: at least 14 hours after any moment of the day before, as the
                # premedication reminder needs.
                booked("ESI_IL", "lumbar", "left", t1, after=dt.time(14)),
            ),
        ),
        Story(
            "ESI gave too little relief: no repeat",
            Profile(mrn(16), "Pradeep", "Nair", dt.date(1966, 7, 7), "uhc", SMS),
            (done("ESI_TF", "lumbar", "left", d.ago(35), 30),),
        ),
        Story(
            "could be pregnant, first ESI booked",
            Profile(
                mrn(17),
                "Rosa",
                "Jimenez",
                dt.date(1990, 11, 12),
                "medicaid",
                SMS,
                could_be_pregnant=True,
            ),
            (booked("ESI_TF", "lumbar", "right", t2, after=dt.time(10)),),
        ),
        Story(
            "self-pay patient, first ESI booked",
            Profile(mrn(18), "Samuel", "Adeyemi", dt.date(1970, 3, 25), "self_pay"),
            (booked("ESI_IL", "lumbar", "right", t2, after=dt.time(14)),),
        ),
    ]
