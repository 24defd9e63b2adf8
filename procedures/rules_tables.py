"""The tables a rule set is built from, the other reference tables every booking reads, and
the triggers that change the rules version when any of them is written
(`procedures.models.RulesVersion`, `procedures.versioned`).

Triggers rather than Django signals: a queryset `update()`, a data migration or a script
writes no signal, and a rule set cached in some process must never outlive a change.
"""

from __future__ import annotations

from typing import Any

VERSION_TABLE = "procedures_rulesversion"

# Every table `procedures.selectors.rule_set_spec` and `rule_set_for_payer` read.
RULES_TABLES = (
    "procedures_ruleset",
    "procedures_payerruleset",
    "procedures_proceduretype",
    "procedures_frequencylimit",
    "procedures_frequencylimit_procedure_types",
    "procedures_minimuminterval",
    "procedures_minimuminterval_procedure_types",
    "procedures_responserequirement",
    "procedures_responserequirement_procedure_types",
    "procedures_facetpathwayrule",
    "procedures_facetpathwayrule_block_procedures",
    "procedures_scspathwayrule",
    "procedures_levellimit",
    "procedures_levellimit_procedure_types",
    "procedures_levellimit_session_procedure_types",
    "procedures_oneregionpersession",
    "procedures_oneregionpersession_procedure_types",
    "procedures_diagnosticstep",
    "procedures_diagnosticstep_procedure_types",
    "procedures_diagnosticstep_step_procedure_types",
)

# The other tables `procedures.versioned.kept` keeps per process (migration 0027): the hold
# table, checklist templates, reminder rows, payers' lists, and the rooms, providers and
# calendar booking checks. A table added here needs a migration creating its triggers
# (0027 made those of the first list; each later list has its own).
REFERENCE_TABLES_0027 = (
    "procedures_drug",
    "procedures_holdrule",
    "procedures_regionalbleedingrisk",
    "procedures_checklistitemtemplate",
    "procedures_checklistitemtemplate_procedure_types",
    "procedures_reminderrule",
    "procedures_payerpriorauthorization",
    "clinic_site",  # rooms are kept in their site's order
    "clinic_room",
    "clinic_provider",
    "scheduling_clinichours",
    "scheduling_workinghours",
    "scheduling_providerdayexception",
    "scheduling_roomclosure",
    "scheduling_clinicday",
)
# Shared equipment and its kinds (migration 0028): which units a booking may take.
EQUIPMENT_TABLES = ("clinic_equipmentkind", "clinic_equipment")
REFERENCE_TABLES = REFERENCE_TABLES_0027 + EQUIPMENT_TABLES

OPERATIONS = ("INSERT", "UPDATE", "DELETE")
PG_FUNCTION = "procedures_rules_changed"


def trigger_name(table: str, operation: str) -> str:
    return f"rules_version_{table}_{operation.lower()}"


def create_triggers(schema_editor: Any, tables: tuple[str, ...] = RULES_TABLES) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # CREATE OR REPLACE: a later migration adding tables may run this again.
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$ BEGIN "
            f"UPDATE {VERSION_TABLE} SET token = (random() * 9e18)::bigint WHERE id = 1; "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER rules_version_changed AFTER INSERT OR UPDATE OR DELETE OR "
                f'TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()'
            )
    elif vendor == "sqlite":
        for table in tables:
            for operation in OPERATIONS:
                schema_editor.execute(
                    f'CREATE TRIGGER "{trigger_name(table, operation)}" AFTER {operation} '
                    f'ON "{table}" BEGIN UPDATE {VERSION_TABLE} SET token = random() '
                    "WHERE id = 1; END"
                )
    else:  # pragma: no cover - the service runs on PostgreSQL or SQLite only
        raise NotImplementedError(f"No rules-version triggers for {vendor}")


def drop_triggers(
    schema_editor: Any, tables: tuple[str, ...] = RULES_TABLES, *, function: bool = True
) -> None:
    """Drop the tables' triggers (and, unless told not to, the function they share)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS rules_version_changed ON "{table}"')
        if function:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    elif vendor == "sqlite":
        for table in tables:
            for operation in OPERATIONS:
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{trigger_name(table, operation)}"')
