"""Indexes for the name search (registry.selectors._member_match): a member's name from its start, and its given
name (the name after the first character) from its start, each with the member's household so that the search
reads the index alone. PostgreSQL builds them with ``text_pattern_ops`` so that ``LIKE 'prefix%'`` uses them
whatever the database's collation; SQLite reads them by range."""

from django.db import migrations

# As registry.models.MEMBER_SEARCH_INDEXES (a migration keeps its own copy: it is history).
INDEXES = {
    "registry_member_name_prefix": "name",
    "registry_member_given_name_prefix": "SUBSTR(name, 2)",
}


def create(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for index, expression in INDEXES.items():
        column = f"({expression}) text_pattern_ops" if postgresql else expression
        schema_editor.execute(f"CREATE INDEX {index} ON registry_member ({column}, household_id)")


def drop(apps, schema_editor):
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX {index}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_alter_importbatch_kind")]

    operations = [migrations.RunPython(create, drop)]
