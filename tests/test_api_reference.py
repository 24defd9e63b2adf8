"""Reference data as a fresh database has it (from migrations), and providers and rooms.

The expected figures are copied from DOMAIN.md, not from the seeding migration, so a typo in
either shows up here.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st

from clinic.models import AuditEvent, Provider, Room
from procedures.models import ProcedureType
from tests.factories import ProviderFactory, RoomFactory, SiteFactory

pytestmark = pytest.mark.django_db

# code: (minutes, ASRA risk, CPT codes, fluoroscopy) as in DOMAIN.md's catalog table.
CATALOG = {
    "MBB": (30, "low", ["64490-64495"], True),
    "FACET_IA": (30, "low", ["64490-64495"], True),
    "RFA": (60, "low", ["64633-64636"], True),
    "ESI_IL": (30, "intermediate", ["62321", "62323"], True),
    "ESI_TF": (30, "intermediate", ["64479-64484"], True),
    "ESI_CAUDAL": (30, "intermediate", ["62323"], True),
    "SI_JOINT": (30, "low", ["27096"], True),
    "TPI": (15, "low", ["20552", "20553"], False),
    "SYMPATHETIC": (45, "intermediate", ["64520", "64510"], True),
    "SCS_TRIAL": (60, "high", ["63650"], True),
    "SCS_IMPLANT": (120, "high", ["63650", "63685"], True),
    "KYPHOPLASTY": (60, "high", ["22513-22515"], True),
    "DISCOGRAPHY": (60, "intermediate", ["62290", "62291"], True),  # ASRA 2018: intradiscal
    "SI_DIAG": (30, "low", ["27096"], True),
}

DRUG_CODES = {
    "warfarin",
    "acenocoumarol",
    "clopidogrel",
    "prasugrel",
    "ticagrelor",
    "apixaban",
    "rivaroxaban",
    "edoxaban",
    "dabigatran",
    "aspirin",
    "aspirin_secondary",
    "cilostazol",
    "dipyridamole",
    "heparin_iv",
    "heparin_sc",
    "enoxaparin_prophylactic",
    "enoxaparin_therapeutic",
    "dalteparin",
    "ibuprofen",
    "diclofenac",
    "ketorolac",
    "etodolac",
    "indomethacin",
    "naproxen",
    "meloxicam",
    "nabumetone",
    "oxaprozin",
    "piroxicam",
}

# drug: hold days at (high, intermediate, low), restart hours, INR on the day when held.
DAY_HOLDS = {
    "warfarin": ((5, 5, 0), 6, True),
    "acenocoumarol": ((3, 3, 0), 24, True),
    "clopidogrel": ((7, 7, 0), 24, False),
    "prasugrel": ((7, 7, 0), 24, False),
    "ticagrelor": ((5, 5, 0), 24, False),
    "apixaban": ((3, 3, 0), 24, False),
    "rivaroxaban": ((3, 3, 0), 24, False),
    "edoxaban": ((3, 3, 0), 24, False),
    "dabigatran": ((4, 4, 0), 24, False),
    # Aspirin before intermediate risk, and secondary-prevention aspirin before high and
    # intermediate: the prescriber decides, so no days are planned.
    "aspirin": ((6, 0, 0), 24, False),
    "aspirin_secondary": ((0, 0, 0), 24, False),
    "cilostazol": ((2, 0, 0), 24, False),
    "dipyridamole": ((2, 0, 0), 24, False),
    "ibuprofen": ((1, 0, 0), 24, False),
    "diclofenac": ((1, 0, 0), 24, False),
    "ketorolac": ((1, 0, 0), 24, False),
    "etodolac": ((2, 0, 0), 24, False),
    "indomethacin": ((2, 0, 0), 24, False),
    "naproxen": ((4, 0, 0), 24, False),
    "meloxicam": ((4, 0, 0), 24, False),
    "nabumetone": ((6, 0, 0), 24, False),
    "oxaprozin": ((10, 0, 0), 24, False),
    "piroxicam": ((10, 0, 0), 24, False),
}
RISKS = ("high", "intermediate", "low")


def holds_by_risk(drug_row: dict) -> dict[str, dict]:
    return {hold["bleeding_risk"]: hold for hold in drug_row["holds"]}


@pytest.fixture
def catalog(scheduler_api) -> dict[str, dict]:
    response = scheduler_api.get("/api/procedure-types/")
    assert response.status_code == 200
    return {row["code"]: row for row in response.json()}


@pytest.fixture
def drugs(nurse_api) -> dict[str, dict]:
    response = nurse_api.get("/api/drugs/")
    assert response.status_code == 200
    return {row["code"]: row for row in response.json()}


# --- Procedure types -----------------------------------------------------------------------------


def test_the_catalog_holds_exactly_the_procedures_of_the_domain(catalog):
    assert set(catalog) == set(CATALOG)


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_each_procedure_type_has_its_domain_minutes_risk_cpt_codes_and_room_needs(catalog, code):
    minutes, risk, cpt_codes, fluoroscopy = CATALOG[code]
    row = catalog[code]

    assert row["name"]
    assert row["duration_minutes"] == minutes
    assert row["bleeding_risk"] == risk
    assert row["cpt_codes"] == cpt_codes
    assert row["requires_fluoroscopy"] is fluoroscopy


@pytest.mark.parametrize("code", ["MBB", "FACET_IA", "RFA"])
def test_a_cervical_facet_procedure_is_intermediate_risk_and_lumbar_stays_low(catalog, code):
    row = catalog[code]

    regional = {item["region"]: item["bleeding_risk"] for item in row["regional_bleeding_risks"]}

    assert regional == {"cervical": "intermediate"}
    assert row["bleeding_risk"] == "low"


def test_only_facet_procedures_change_risk_by_region(catalog):
    with_regions = {code for code, row in catalog.items() if row["regional_bleeding_risks"]}

    assert with_regions == {"MBB", "FACET_IA", "RFA"}


def test_the_steroid_sedation_and_prior_authorization_flags_follow_the_domain(catalog):
    steroid = {code for code, row in catalog.items() if row["steroid"]}
    sedation = {code for code, row in catalog.items() if row["sedation"]}
    prior_auth = {code for code, row in catalog.items() if row["prior_auth_required"]}

    assert steroid == {"ESI_IL", "ESI_TF", "ESI_CAUDAL", "SI_JOINT"}
    assert sedation == {"SCS_IMPLANT", "KYPHOPLASTY"}
    assert prior_auth == {"SCS_TRIAL", "SCS_IMPLANT"}
    assert catalog["MBB"]["diagnostic"] is True
    assert catalog["RFA"]["diagnostic"] is False


def test_an_inactive_procedure_type_leaves_the_list(scheduler_api):
    ProcedureType.objects.filter(code="DISCOGRAPHY").update(active=False)

    codes = {row["code"] for row in scheduler_api.get("/api/procedure-types/").json()}

    assert "DISCOGRAPHY" not in codes
    assert len(codes) == len(CATALOG) - 1


# --- Drugs and the hold table --------------------------------------------------------------------


def test_the_drug_list_holds_exactly_the_domains_drugs_in_lower_case_codes(drugs):
    assert set(drugs) == DRUG_CODES
    assert all(code == code.lower() for code in drugs)
    assert all(row["name"] for row in drugs.values())


def test_every_drug_has_one_hold_rule_per_risk_class(drugs):
    for code, row in drugs.items():
        assert sorted(hold["bleeding_risk"] for hold in row["holds"]) == sorted(RISKS), code


def test_warfarin_is_held_five_days_with_an_inr_before_high_and_intermediate_risk_only(drugs):
    holds = holds_by_risk(drugs["warfarin"])

    assert holds["high"] == {
        "bleeding_risk": "high",
        "hold_days": 5,
        "hold_hours": 0,
        "inr_required": True,
        "restart_hours": 6,
        "prescriber_decides": False,
    }
    assert holds["intermediate"] == {
        "bleeding_risk": "intermediate",
        "hold_days": 5,
        "hold_hours": 0,
        "inr_required": True,
        "restart_hours": 6,
        "prescriber_decides": False,
    }
    assert holds["low"] == {
        "bleeding_risk": "low",
        "hold_days": 0,
        "hold_hours": 0,
        "inr_required": False,
        "restart_hours": 6,
        "prescriber_decides": False,
    }


@pytest.mark.parametrize("code", sorted(DAY_HOLDS))
def test_each_day_counted_hold_matches_the_asra_table(drugs, code):
    days, restart, inr_when_held = DAY_HOLDS[code]
    holds = holds_by_risk(drugs[code])

    for risk, expected_days in zip(RISKS, days, strict=True):
        hold = holds[risk]
        assert hold["hold_days"] == expected_days, risk
        assert hold["hold_hours"] == 0, risk
        assert hold["restart_hours"] == restart, risk
        assert hold["inr_required"] is (inr_when_held and expected_days > 0), risk


@pytest.mark.parametrize(
    ("code", "hours", "restart", "restart_low"),
    [
        ("enoxaparin_prophylactic", 12, 12, 4),
        ("enoxaparin_therapeutic", 24, 24, 4),
        ("dalteparin", 24, 24, 4),
    ],
)
def test_enoxaparin_is_held_in_hours_at_every_risk_and_restarts_sooner_after_low_risk(
    drugs, code, hours, restart, restart_low
):
    holds = holds_by_risk(drugs[code])

    for risk in RISKS:
        assert holds[risk]["hold_days"] == 0
        assert holds[risk]["hold_hours"] == hours
        assert holds[risk]["inr_required"] is False
    assert holds["high"]["restart_hours"] == restart
    assert holds["intermediate"]["restart_hours"] == restart
    assert holds["low"]["restart_hours"] == restart_low


@pytest.mark.parametrize("path", ["/api/procedure-types/", "/api/drugs/"])
def test_reference_data_cannot_be_changed_through_the_api(manager_api, path):
    response = manager_api.post(path, {"code": "NEW", "name": "New"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- Providers -----------------------------------------------------------------------------------


def test_the_provider_list_shows_active_providers_only(scheduler_api):
    active = ProviderFactory(name="Dr. Able", npi="1234567893")
    ProviderFactory(name="Dr. Gone", active=False)

    response = scheduler_api.get("/api/providers/")

    assert response.status_code == 200
    assert response.json() == [
        {"id": active.pk, "name": "Dr. Able", "npi": "1234567893", "active": True}
    ]


def test_a_manager_adds_a_provider(manager_api):
    response = manager_api.post(
        "/api/providers/", {"name": "Dr. Able", "npi": "1234567893"}, format="json"
    )

    assert response.status_code == 201, response.content
    provider = Provider.objects.get()
    assert response.json() == {
        "id": provider.pk,
        "name": "Dr. Able",
        "npi": "1234567893",
        "active": True,
    }


BAD_PROVIDERS = [
    ("an NPI with a wrong check digit", {"npi": "1234567890"}, "npi"),
    ("an NPI of nine digits", {"npi": "123456789"}, "npi"),
    ("an NPI of eleven digits", {"npi": "12345678931"}, "npi"),
    ("an NPI with a letter", {"npi": "12345678X3"}, "npi"),
    (
        "an NPI in other digits",
        {"npi": "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0663"},
        "npi",
    ),
    ("an NPI as a list", {"npi": ["1234567893"]}, "npi"),
    ("no NPI", {"npi": None}, "npi"),
    ("no name", {"name": ""}, "name"),
    ("a name too long", {"name": "D" * 121}, "name"),
    ("active as a word", {"active": "sometimes"}, "active"),
]


@pytest.mark.parametrize(
    ("why", "change", "field"), BAD_PROVIDERS, ids=[why for why, _, _ in BAD_PROVIDERS]
)
def test_a_provider_with_bad_input_is_a_400_on_that_field_and_writes_nothing(
    manager_api, why, change, field
):
    body = {"name": "Dr. Able", "npi": "1234567893", **change}

    response = manager_api.post("/api/providers/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Provider.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_duplicate_npi_is_a_400_and_writes_nothing(manager_api):
    ProviderFactory(npi="1234567893")

    response = manager_api.post(
        "/api/providers/", {"name": "Dr. Twin", "npi": "1234567893"}, format="json"
    )

    assert response.status_code == 400
    assert "npi" in response.json()
    assert Provider.objects.count() == 1


def test_malformed_json_for_a_provider_is_a_400_in_the_error_shape(manager_api):
    response = manager_api.post("/api/providers/", '{"name": "Dr', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert not Provider.objects.exists()


# --- Rooms ---------------------------------------------------------------------------------------


def test_the_room_list_shows_active_rooms_with_their_site_and_fluoroscopy(nurse_api):
    site = SiteFactory(name="Main campus")
    suite = RoomFactory(site=site, name="Fluoro 1", fluoroscopy=True)
    exam = RoomFactory(site=site, name="Exam 1", fluoroscopy=False, turnover_minutes=5)
    RoomFactory(site=site, name="Old suite", active=False)

    response = nurse_api.get("/api/rooms/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": exam.pk,
            "name": "Exam 1",
            "site": "Main campus",
            "fluoroscopy": False,
            "turnover_minutes": 5,
            "active": True,
        },
        {
            "id": suite.pk,
            "name": "Fluoro 1",
            "site": "Main campus",
            "fluoroscopy": True,
            "turnover_minutes": 15,
            "active": True,
        },
    ]


def test_a_manager_adds_a_room_and_it_gets_the_default_turnover(manager_api):
    SiteFactory(name="Main campus")

    response = manager_api.post(
        "/api/rooms/",
        {"name": "Fluoro 2", "site": "Main campus", "fluoroscopy": True},
        format="json",
    )

    assert response.status_code == 201, response.content
    room = Room.objects.get()
    assert response.json()["id"] == room.pk
    assert room.name == "Fluoro 2"
    assert room.site.name == "Main campus"
    assert room.fluoroscopy is True
    assert room.turnover_minutes == 15


def test_two_sites_may_each_have_a_room_of_the_same_name(manager_api):
    RoomFactory(site=SiteFactory(name="Main campus"), name="Suite 1")
    SiteFactory(name="North clinic")

    response = manager_api.post(
        "/api/rooms/", {"name": "Suite 1", "site": "North clinic"}, format="json"
    )

    assert response.status_code == 201
    assert Room.objects.filter(name="Suite 1").count() == 2


BAD_ROOMS = [
    ("an unknown site", {"site": "Nowhere"}, "site"),
    ("a site as a number", {"site": 1}, "site"),
    ("a site as an object", {"site": {"name": "Main campus"}}, "site"),
    ("a site with a NUL", {"site": "Main campus\x00"}, "site"),
    ("no site", {"site": None}, "site"),
    ("no name", {"name": ""}, "name"),
    ("a name too long", {"name": "R" * 81}, "name"),
    ("fluoroscopy as a word", {"fluoroscopy": "maybe"}, "fluoroscopy"),
    ("a negative turnover", {"turnover_minutes": -5}, "turnover_minutes"),
    ("a fractional turnover", {"turnover_minutes": 7.5}, "turnover_minutes"),
    ("a turnover as a word", {"turnover_minutes": "fifteen"}, "turnover_minutes"),
    ("a turnover too large to store", {"turnover_minutes": 99999}, "turnover_minutes"),
]


@pytest.mark.parametrize(
    ("why", "change", "field"), BAD_ROOMS, ids=[why for why, _, _ in BAD_ROOMS]
)
def test_a_room_with_bad_input_is_a_400_on_that_field_and_writes_nothing(
    manager_api, why, change, field
):
    SiteFactory(name="Main campus")
    body = {"name": "Fluoro 2", "site": "Main campus", **change}

    response = manager_api.post("/api/rooms/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Room.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_second_room_of_the_same_name_at_the_same_site_is_a_400_and_writes_nothing(
    manager_api,
):
    RoomFactory(site=SiteFactory(name="Main campus"), name="Suite 1")

    response = manager_api.post(
        "/api/rooms/", {"name": "Suite 1", "site": "Main campus"}, format="json"
    )

    assert response.status_code == 400
    assert Room.objects.count() == 1


# --- Whatever arrives, never a 500 ---------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
FUZZ = settings_for_hypothesis(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(change=st.dictionaries(st.sampled_from(["name", "npi", "active"]), JSON_VALUES))
def test_any_json_sent_as_a_provider_is_added_or_refused_never_a_500(manager_api, change):
    before = Provider.objects.count()

    response = manager_api.post(
        "/api/providers/", {"name": "Dr. Able", "npi": "1234567893", **change}, format="json"
    )

    assert response.status_code in {201, 400}, response.content
    assert Provider.objects.count() == before + (response.status_code == 201)


@FUZZ
@given(
    change=st.dictionaries(
        st.sampled_from(["name", "site", "fluoroscopy", "turnover_minutes", "active"]),
        JSON_VALUES,
    )
)
def test_any_json_sent_as_a_room_is_added_or_refused_never_a_500(manager_api, change):
    SiteFactory(name="Main campus")
    before = Room.objects.count()

    response = manager_api.post(
        "/api/rooms/", {"name": "Fluoro 2", "site": "Main campus", **change}, format="json"
    )

    assert response.status_code in {201, 400}, response.content
    assert Room.objects.count() == before + (response.status_code == 201)
