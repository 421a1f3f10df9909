"""An index for the search by an ID number's last four characters (registry.selectors._member_match), with the
member's household so that the search reads the index alone."""

from django.db import migrations

INDEX = "registry_member_id_tail"


def create(apps, schema_editor):
    tail = "RIGHT(id_number, 4)" if schema_editor.connection.vendor == "postgresql" else "SUBSTR(id_number, -4)"
    schema_editor.execute(f"CREATE INDEX {INDEX} ON registry_member (({tail}), household_id)")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0011_member_name_prefix_indexes")]

    operations = [migrations.RunPython(create, drop)]
