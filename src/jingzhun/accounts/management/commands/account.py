"""``jingzhun account create USERNAME --role ROLE``: an account from the command line, e.g. the first administrators.

The three administrators (三员分立) need accounts before anyone can use the web pages; the operator creates
them here. The password is read from the terminal (or one line of stdin with ``--password-stdin``), checked
against the password policy, and must be changed at the first login.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.models import Role, User
from jingzhun.accounts.services import user_ensure
from jingzhun.areas.models import Area


class Command(BaseCommand):
    help = "Create or reset an account: `create USERNAME --role ROLE [--area CODE] [--name NAME]`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create an account, or reset an existing one")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=[value for value, _ in Role.choices])
        create.add_argument("--area", default="", help="12-digit area code (administrators need none)")
        create.add_argument("--name", default="", help="display name")
        create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    def handle(self, *args: Any, username: str, role: str, area: str, name: str, **options: Any) -> None:
        area_obj = None
        if area:
            area_obj = Area.objects.filter(code=area).first()
            if area_obj is None:
                raise CommandError(f"没有区划代码为 {area} 的区域。")
        password = self._password(options["password_stdin"])
        try:
            password_validation.validate_password(password, User(username=username, first_name=name))
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + " ".join(error.messages)) from None
        user_ensure(username=username, role=Role(role), area=area_obj, display_name=name, password=password)
        self.stdout.write(f"账号 {username}（{Role(role).label}）已就绪；首次登录须修改密码。")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise CommandError("两次输入的密码不一致。")
        return first
