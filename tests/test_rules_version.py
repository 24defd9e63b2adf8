"""The rules version: cached rule sets never outlive a change, whoever makes it.

Triggers give `RulesVersion` a new token on any write to the tables a rule set is built from;
every process checks the token before reusing the rule sets it built. Checked here: the table
list covers every rule model, every way of writing changes the token, a booking after an edit
sees the edit, and a web server in another process sees an edit made here at its next booking.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from clinic.api.tokens import issue_token
from procedures import selectors
from procedures.models import (
    FacetPathwayRule,
    FrequencyLimit,
    ProcedureType,
    RuleSet,
    RulesVersion,
)
from procedures.models.rules import RuleBase
from procedures.rules_tables import RULES_TABLES
from tests.factories import PatientFactory
from tests.scheduling_helpers import booking_body, local, make_small_clinic
from tests.servers import development_server_env, free_port, gunicorn_command, post, serve
from tests.worker_harness import test_database_url as database_url_of_this_test


def token() -> int:
    return RulesVersion.objects.get(pk=1).token


def test_the_triggers_cover_every_table_a_rule_set_is_built_from():
    expected = {"procedures_ruleset", "procedures_payerruleset", "procedures_proceduretype"}
    for model in apps.get_app_config("procedures").get_models():
        if issubclass(model, RuleBase):
            expected.add(model._meta.db_table)
            expected |= {
                m2m.remote_field.through._meta.db_table for m2m in model._meta.many_to_many
            }
    assert set(RULES_TABLES) == expected


@pytest.mark.django_db
def test_every_way_of_writing_a_rule_changes_the_token():
    first = token()
    limit = FrequencyLimit.objects.filter(rule_set__is_default=True).first()
    limit.max_sessions += 1
    limit.save()  # a model save, as the admin's
    second = token()
    FrequencyLimit.objects.filter(pk=limit.pk).update(window_days=200)  # a bulk update
    third = token()
    limit.procedure_types.add(ProcedureType.objects.get(code="TPI"))  # a many-to-many row
    fourth = token()
    assert len({first, second, third, fourth}) == 4


@pytest.mark.django_db
def test_a_cached_rule_set_is_reused_until_a_rule_changes(django_assert_max_num_queries):
    rule_set = RuleSet.objects.get(is_default=True)
    built = selectors.rule_set_spec(rule_set)
    with django_assert_max_num_queries(1):  # the token only
        assert selectors.rule_set_spec(rule_set) is built
    FrequencyLimit.objects.filter(rule_set=rule_set).update(max_sessions=1)
    rebuilt = selectors.rule_set_spec(rule_set)
    assert rebuilt is not built
    assert {r.max_sessions for r in rebuilt.rules if hasattr(r, "max_sessions")} == {1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rule_edited_here_applies_to_the_next_booking_in_another_process(
    tmp_path: Path, make_staff
):
    clinic = make_small_clinic()
    _, token_text = issue_token(make_staff("scheduler"))
    patient = PatientFactory()
    env = development_server_env(database_url_of_this_test(), tmp_path / "var", settings.SECRET_KEY)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    body = booking_body(clinic, patient.pk, local(monday.year, monday.month, monday.day, 9))
    body["procedure_type"] = "RFA"
    port = free_port()
    with serve(gunicorn_command(port), env, port, tmp_path / "web.log") as server:
        url = server.url("/api/appointments/")
        # The server builds the default set: an ablation needs two blocks first.
        status, answer, _ = post(url, token_text, body)
        assert status == 422, answer
        assert "pathway_incomplete" in {v["code"] for v in answer["violations"]}
        # Here, in this process, a manager's change: the facet pathway switched off.
        FacetPathwayRule.objects.filter(rule_set__is_default=True).update(active=False)
        status, answer, _ = post(url, token_text, body)
    assert status == 201, answer
