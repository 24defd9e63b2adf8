"""Existing audit rows get their actor's username and their patient; then, on PostgreSQL,
the table becomes append-only (a trigger refuses UPDATE and DELETE) and the patient list
gets a GIN index for `?patient=` and "who looked at this patient".

SQLite keeps no trigger: Django's test flush empties tables with DELETE there (TRUNCATE on
PostgreSQL, which row triggers do not see), and the embedded database is one file its owner
can rewrite anyway.
"""

from django.db import migrations

_BACKFILL = {
    "postgresql": [
        """UPDATE clinic_auditevent e SET actor_username = u.username
           FROM auth_user u WHERE e.actor_id = u.id AND e.actor_username = ''""",
        """UPDATE clinic_auditevent SET patients = jsonb_build_array(object_id::bigint)
           WHERE object_type = 'clinic.patient' AND object_id ~ '^[0-9]+$'""",
        """UPDATE clinic_auditevent e SET patients = jsonb_build_array(a.patient_id)
           FROM scheduling_appointment a
           WHERE e.object_type = 'scheduling.appointment' AND e.object_id = a.id::text""",
    ],
    "sqlite": [
        """UPDATE clinic_auditevent SET actor_username = COALESCE(
           (SELECT username FROM auth_user WHERE auth_user.id = clinic_auditevent.actor_id), '')
           WHERE actor_id IS NOT NULL""",
        """UPDATE clinic_auditevent SET patients = json_array(CAST(object_id AS INTEGER))
           WHERE object_type = 'clinic.patient'""",
        """UPDATE clinic_auditevent SET patients = COALESCE((SELECT json_array(a.patient_id)
           FROM scheduling_appointment a WHERE CAST(a.id AS TEXT) = clinic_auditevent.object_id),
           '[]') WHERE object_type = 'scheduling.appointment'""",
    ],
}

_APPEND_ONLY = [
    """CREATE FUNCTION clinic_audit_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION USING
           MESSAGE = 'the audit trail cannot be changed or deleted (' || TG_OP || ')',
           ERRCODE = 'insufficient_privilege';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER clinic_audit_append_only BEFORE UPDATE OR DELETE ON clinic_auditevent
       FOR EACH ROW EXECUTE FUNCTION clinic_audit_append_only()""",
    """CREATE INDEX audit_patients_gin ON clinic_auditevent
       USING gin (patients jsonb_path_ops)""",
]

_UNDO = [
    "DROP INDEX IF EXISTS audit_patients_gin",
    "DROP TRIGGER IF EXISTS clinic_audit_append_only ON clinic_auditevent",
    "DROP FUNCTION IF EXISTS clinic_audit_append_only()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, _BACKFILL.get(vendor, []))
    if vendor == "postgresql":
        _run(schema_editor, _APPEND_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, _UNDO)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0007_audit_kinds_and_api_tokens"),
        ("scheduling", "0010_cancelled_cases_by_date"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
