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
    "fonts",
    "--help",
    "-h",
    "--version",
}


# Django's own account commands would set any password or make an account outside the application's rules and
# its audit trail (三员分立); `jingzhun account create` is the command line's only way to an account.
_REFUSED = {
    "changepassword": "jingzhun changepassword 已停用：密码由账号本人修改；管理员账号的密码由安全管理员申请重置，经另一名管理员批准。",
    "createsuperuser": "jingzhun createsuperuser 已停用：第一批管理员用 jingzhun account create 创建。",
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


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def serve_environment(argv: list[str], environ: dict[str, str]) -> dict[str, str]:
    """The settings ``jingzhun serve`` runs with unless told otherwise: production settings, as an office runs
    it. A server that listens on loopback only, and is not behind a TLS proxy, is reachable from this computer
    alone: it speaks plain HTTP there instead of redirecting to an HTTPS nobody serves."""
    # A page reads few pages of the database: a small cache per thread's connection keeps the server's memory
    # bounded (settings.SQLITE_CACHE_MB).
    defaults = {"JINGZHUN_PRODUCTION": "1", "JINGZHUN_SQLITE_CACHE_MB": "16"}
    host = "127.0.0.1"
    for index, arg in enumerate(argv):
        if arg == "--host" and index + 1 < len(argv):
            host = argv[index + 1]
        elif arg.startswith("--host="):
            host = arg.split("=", 1)[1]
    if host in _LOOPBACK and environ.get("JINGZHUN_BEHIND_TLS_PROXY") != "1":
        defaults["JINGZHUN_HTTPS"] = "0"
    return {key: value for key, value in defaults.items() if key not in environ}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "serve":
        os.environ.update(serve_environment(argv[2:], dict(os.environ)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    from jingzhun.datadir import data_dir_prepare

    data_dir_prepare()  # before the settings are read: they find the key, they do not make it
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    command = argv[1] if len(argv) > 1 else "help"
    if command in _REFUSED:
        print(_REFUSED[command] + "（见 docs/账号与安全.md）", file=sys.stderr)
        raise SystemExit(2)
    if command not in _NO_AUTO_MIGRATE:
        ensure_database()
    execute_from_command_line(["jingzhun", *argv[1:]])


if __name__ == "__main__":
    main()
