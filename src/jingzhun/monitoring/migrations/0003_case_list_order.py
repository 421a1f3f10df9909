"""The case lists in the order of an index: each case carries its household's village and number
(``village_code``, ``household_no``), indexed with the id for every case and for the open ones, so that a page of
cases within an area is read from the index instead of sorting every case in scope by a computed key.

Cases opened before are filled from their households here. A trigger on the household table copies a household's
new village or number onto its cases, whatever writes it (a ledger import moves households between villages), so
the copy never goes stale; it also stamps ``updated_at``, so that figures cached under the cases' version
(``monitoring.selectors.cases_version``) are counted again when a case's area changes."""

from django.db import migrations, models

SQLITE_TRIGGER = """
CREATE TRIGGER monitoring_case_household_moved
AFTER UPDATE OF village_id, household_no ON registry_household
WHEN NEW.village_id IS NOT OLD.village_id OR NEW.household_no IS NOT OLD.household_no
BEGIN
    UPDATE monitoring_monitoringcase
    SET village_code = NEW.village_id, household_no = NEW.household_no,
        updated_at = STRFTIME('%Y-%m-%d %H:%M:%f', 'now')
    WHERE household_id = NEW.id;
END
"""

POSTGRESQL_TRIGGER = [
    """
    CREATE FUNCTION monitoring_case_household_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE monitoring_monitoringcase
        SET village_code = NEW.village_id, household_no = NEW.household_no, updated_at = clock_timestamp()
        WHERE household_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER monitoring_case_household_moved
    AFTER UPDATE OF village_id, household_no ON registry_household
    FOR EACH ROW
    WHEN (NEW.village_id IS DISTINCT FROM OLD.village_id OR NEW.household_no IS DISTINCT FROM OLD.household_no)
    EXECUTE FUNCTION monitoring_case_household_moved()
    """,
]


def fill(apps, schema_editor):
    schema_editor.execute(
        "UPDATE monitoring_monitoringcase SET "
        "village_code = (SELECT h.village_id FROM registry_household h WHERE h.id = monitoring_monitoringcase.household_id), "
        "household_no = (SELECT h.household_no FROM registry_household h WHERE h.id = monitoring_monitoringcase.household_id)"
    )


def trigger_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_TRIGGER:
            schema_editor.execute(statement)
    else:
        schema_editor.execute(SQLITE_TRIGGER)


def trigger_drop(apps, schema_editor):
    schema_editor.execute("DROP TRIGGER IF EXISTS monitoring_case_household_moved" + (
        " ON registry_household" if schema_editor.connection.vendor == "postgresql" else ""
    ))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS monitoring_case_household_moved()")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_case_updated_index'),
        ('registry', '0012_member_id_tail_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='monitoringcase',
            name='household_no',
            field=models.CharField(db_default='', max_length=40),
        ),
        migrations.AddField(
            model_name='monitoringcase',
            name='village_code',
            field=models.CharField(db_default='', max_length=12),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigger_create, trigger_drop),
        migrations.AddIndex(
            model_name='monitoringcase',
            index=models.Index(fields=['village_code', 'household_no', 'id'], name='monitoring_case_listed'),
        ),
        migrations.AddIndex(
            model_name='monitoringcase',
            index=models.Index(condition=models.Q(('closed_on__isnull', True)), fields=['village_code', 'household_no', 'id'], name='monitoring_case_open_listed'),
        ),
    ]
