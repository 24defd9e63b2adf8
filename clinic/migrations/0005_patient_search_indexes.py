"""Indexes for the patient search (clinic.selectors.patient_search), so it never reads the table.

Django writes `last_name__istartswith="lee"` on PostgreSQL as
`UPPER("last_name"::text) LIKE UPPER('lee%')`, and `mrn__iexact` as
`UPPER("mrn"::text) = UPPER('a100')`. An index serves a query only when it is built over that
very expression, and a LIKE prefix only with the `text_pattern_ops` operator class (the
default one follows the database's collation, under which LIKE cannot use a btree range).
So the name indexes are over `UPPER(col::text)` with that class.

Operator classes are PostgreSQL's alone, which is why these are SQL here and not `Meta.indexes`
(the model state is unchanged; SQLite gets the plain ones). The birth date serves the search by
date; (updated_at, id) serves the empty search, which lists the patients changed last.
"""

from django.db import migrations

POSTGRESQL_ONLY = {
    "patient_last_name_prefix": 'UPPER(("last_name")::text) text_pattern_ops',
    "patient_first_name_prefix": 'UPPER(("first_name")::text) text_pattern_ops',
    "patient_mrn_upper": 'UPPER(("mrn")::text)',
}
EVERY_DATABASE = {
    "patient_birth_date": '"birth_date"',
    "patient_updated": '"updated_at", "id"',
}


def _wanted(schema_editor) -> dict[str, str]:
    if schema_editor.connection.vendor == "postgresql":
        return {**POSTGRESQL_ONLY, **EVERY_DATABASE}
    return dict(EVERY_DATABASE)


def create(apps, schema_editor):
    for name, columns in _wanted(schema_editor).items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "clinic_patient" ({columns})')


def drop(apps, schema_editor):
    for name in _wanted(schema_editor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_patient_phone_e164")]

    operations = [migrations.RunPython(create, drop)]
