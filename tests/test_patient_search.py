"""Finding a patient by name, MRN or birth date, and proof that the search uses indexes.

The finding is checked on every database. The index proof needs PostgreSQL's planner: it
runs EXPLAIN over the very querysets the API and the pages run, once with sequential scans
switched off (can an index serve this query at all?) and once on 20,000 analysed patients
(does the planner pick it when the table is big?).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator

import pytest
from django.db import connection

from clinic.models import Patient
from clinic.selectors import patient_search, patients_recently_changed, typed_date
from scheduling.patient_summary import search_rows
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def found(query: str) -> list[str]:
    return [p.mrn for p in patient_search(query)]


@pytest.fixture
def patients() -> None:
    PatientFactory(mrn="A100", first_name="Ann", last_name="Lee", birth_date=dt.date(1970, 3, 2))
    PatientFactory(mrn="A1000", first_name="Bob", last_name="Stone", birth_date=dt.date(1970, 2, 3))
    PatientFactory(mrn="B200", first_name="Carl", last_name="Leeds", birth_date=dt.date(1981, 1, 9))
    PatientFactory(
        mrn="C300", first_name="Leona", last_name="Marsh", birth_date=dt.date(1955, 6, 1)
    )
    PatientFactory(mrn="D400", first_name="Rosa", last_name="De la Cruz")
    PatientFactory(mrn="E500", first_name="Lee", last_name="Annable")


@pytest.mark.parametrize(
    ("query", "mrns"),
    [
        ("a100", ["A100"]),  # MRN: exact, any case
        ("A10", []),  # ...and never a prefix of one
        ("lee", ["E500", "A100", "B200"]),  # last name or first name starts with it
        ("LEEDS", ["B200"]),
        ("Leo", ["C300"]),
        ("Ann Lee", ["E500", "A100"]),  # "first last" (or "last first": Lee Annable)
        ("ann lee", ["E500", "A100"]),
        ("Lee Ann", ["E500", "A100"]),  # or "last first", whichever was meant
        ("Lee, Ann", ["A100"]),  # "last, first"
        ("Lee,Ann", ["A100"]),
        ("Lee,", ["A100", "B200"]),
        (", Leo", ["C300"]),
        ("De la", ["D400"]),  # a last name with a space in it
        ("  Leeds  ", ["B200"]),
        ("1970-03-02", ["A100"]),  # birth date, ISO
        ("03/02/1970", ["A100"]),  # birth date, as the clinic writes it (month first)
        ("3/2/1970", ["A100"]),
        ("02/30/1970", []),  # no such day: nothing, not an error
        ("L%", []),  # a wildcard is a character like any other
        ("L_e", []),
        ("Le\x00e", ["E500", "A100", "B200"]),  # a NUL is dropped rather than failing the query
        ("nobody", []),
    ],
)
def test_the_search_finds_by_exact_mrn_name_starts_or_birth_date(patients, query, mrns):
    assert found(query) == mrns


def test_an_empty_search_finds_everyone_for_the_api_and_the_pages_list_the_latest_first(patients):
    assert len(found("")) == 6
    assert len(found(" \x00 ")) == 6
    newest = PatientFactory(mrn="F600", last_name="Zed")
    Patient.objects.filter(mrn="A100").update(updated_at=newest.updated_at + dt.timedelta(1))

    assert [p.mrn for p in patients_recently_changed()[:2]] == ["A100", "F600"]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("1970-03-02", dt.date(1970, 3, 2)),
        ("03/02/1970", dt.date(1970, 3, 2)),
        ("12/31/1999", dt.date(1999, 12, 31)),
        ("31/12/1999", None),  # day first is not how the clinic writes dates
        ("1970-13-01", None),
        ("03/02/70", None),  # a two-digit year could be 1970 or 2070
        ("1970", None),
        ("", None),
    ],
)
def test_a_typed_date_is_read_month_first_or_iso(text, day):
    assert typed_date(text) == day


# --- The plans (PostgreSQL) -----------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner's choices are PostgreSQL's"
)

QUERIES = [
    "okafor",  # a last name's start
    "Ann",  # a first name's start, or a last name's
    "Ann Okafor",
    "Okafor, Ann",
    "MRN012345",
    "1970-03-02",
    "03/02/1970",
]


def plan_nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def scans_of_patient(queryset) -> list[str]:
    """The node types by which a queryset's plan reads clinic_patient."""
    (explained,) = json.loads(queryset.explain(format="json"))
    return [
        node["Node Type"]
        for node in plan_nodes(explained["Plan"])
        if node.get("Relation Name") == "clinic_patient"
    ]


def assert_indexed(queryset) -> None:
    scans = scans_of_patient(queryset)
    assert scans, "the plan does not read clinic_patient at all"
    assert "Seq Scan" not in scans, scans
    assert set(scans) <= {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, scans


def querysets(query: str):
    """What the API runs, and what the patient list runs (its page, and its count)."""
    return {
        "api": patient_search(query)[:50],
        "page": search_rows(query)[:25],
        "count": patient_search(query).values("pk"),
    }


@postgresql_only
@pytest.mark.parametrize("query", QUERIES)
def test_every_kind_of_search_can_be_served_by_an_index(query):
    PatientFactory(mrn="MRN012345", first_name="Ann", last_name="Okafor")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    for name, queryset in querysets(query).items():
        scans = scans_of_patient(queryset)
        assert "Seq Scan" not in scans, (name, scans)
        assert scans, name


@postgresql_only
def test_the_empty_search_lists_the_latest_patients_from_an_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    assert_indexed(patients_recently_changed()[:25])


LAST_NAMES = [
    a + b
    for a, b in itertools.product(
        ["Ok", "Ma", "Le", "St", "Ro", "Ch", "Br", "Fa", "Gu", "Ha", "Ji", "Ku", "Ne", "Pa"],
        ["afor", "rsh", "eds", "one", "sen", "ang", "own", "rell", "erra", "yes", "menez", "mar"],
    )
]
FIRST_NAMES = ["Ann", "Bob", "Carl", "Dina", "Eve", "Femi", "Gus", "Hana", "Ivan", "Jo", "Kai"]


@pytest.fixture
def many_patients() -> None:
    """20,000 patients with names, MRNs and birth dates spread as a clinic's would be."""
    base = dt.date(1930, 1, 1)
    Patient.objects.bulk_create(
        Patient(
            mrn=f"MRN{n:06d}",
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)] + ("" if n % 7 else "ie"),
            last_name=LAST_NAMES[n % len(LAST_NAMES)] + ("" if n % 3 else "-Smith"),
            birth_date=base + dt.timedelta(days=(n * 37) % 27_000),
        )
        for n in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clinic_patient")


@postgresql_only
@pytest.mark.parametrize("query", QUERIES)
def test_on_twenty_thousand_patients_the_planner_chooses_the_indexes(many_patients, query):
    for name, queryset in querysets(query).items():
        try:
            assert_indexed(queryset)
        except AssertionError as failure:
            raise AssertionError(f"{name}: {failure}") from None


@postgresql_only
def test_on_twenty_thousand_patients_the_latest_ones_come_from_an_index(many_patients):
    assert_indexed(patients_recently_changed()[:25])


@postgresql_only
def test_without_the_search_indexes_the_same_queries_would_read_the_whole_table(many_patients):
    # The proof above can fail: drop the indexes (inside the test's transaction, which rolls
    # back) and the planner has nothing but the table to read.
    with connection.cursor() as cursor:
        for name in ("patient_last_name_prefix", "patient_first_name_prefix", "patient_mrn_upper"):
            cursor.execute(f'DROP INDEX "{name}"')

    assert "Seq Scan" in scans_of_patient(patient_search("okafor")[:50])
    assert "Seq Scan" in scans_of_patient(search_rows("MRN012345")[:25])
