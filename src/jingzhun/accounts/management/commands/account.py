"""``jingzhun account create USERNAME --role ROLE``: the first administrators, from the server's command line.

The three administrators (三员分立) need accounts before anyone can use the web pages; the operator creates
them here. What the command may do is kept small on purpose, because whoever runs it has the server:

- it creates only administrator accounts (system, security, audit), and only while no active account holds
  that role: the first ones, or a new one after the last was deactivated (with a second administrator's
  approval, on the web);
- it never changes an existing account (no password reset, no role change): those go through the web pages,
  where a change to an administrator needs a second administrator's approval.

The password is read from the terminal (or one line of stdin with ``--password-stdin``), checked against the
password policy, and must be changed at the first login. The creation is in the audit trail as ``cli:<OS user>``.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.models import Role, User
from jingzhun.accounts.permissions import ADMINISTRATORS
from jingzhun.accounts.services import account_bootstrap


class Command(BaseCommand):
    help = "Create an administrator while none of that role is active: `create USERNAME --role ROLE [--name NAME]`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create the first administrator of a role")
        create.add_argument("username")
        create.add_argument(
            "--role", required=True, choices=[value for value, _ in Role.choices if value in ADMINISTRATORS]
        )
        create.add_argument("--name", default="", help="display name")
        create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    def handle(self, *args: Any, username: str, role: str, name: str, **options: Any) -> None:
        password = self._password(options["password_stdin"])
        try:
            password_validation.validate_password(password, User(username=username, first_name=name))
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + " ".join(error.messages)) from None
        try:
            account_bootstrap(username=username, role=Role(role), display_name=name, password=password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"账号 {username}（{Role(role).label}）已就绪；首次登录须修改密码。")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise CommandError("两次输入的密码不一致。")
        return first
