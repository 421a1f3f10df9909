"""The ``jingzhun`` console command: Django's management commands, with the database made ready first.

``jingzhun import ledger FILE`` is ``manage.py import ledger FILE``. On first use the data directory and
the embedded database are created and migrated, so no command needs a set-up step before it.
"""

from __future__ import annotations

import os
import sys

# Commands that manage the schema themselves, or need no database at all.
_NO_AUTO_MIGRATE = {
    "migrate",
    "makemigrations",
    "sqlmigrate",
    "showmigrations",
    "help",
    "version",
    "check",
    "compilemessages",
    "makemessages",
    "generate",
    "--help",
    "-h",
    "--version",
}


def ensure_database() -> None:
    """Create and migrate the database when migrations are pending (fast no-op otherwise)."""
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("正在初始化数据库……", file=sys.stderr)
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    command = argv[1] if len(argv) > 1 else "help"
    if command not in _NO_AUTO_MIGRATE:
        ensure_database()
    execute_from_command_line(["jingzhun", *argv[1:]])


if __name__ == "__main__":
    main()
