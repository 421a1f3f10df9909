"""``jingzhun account create USERNAME --role ROLE``: the first administrators, from the server's command line.

The three administrators (三员分立) need accounts before anyone can use the web pages; the operator creates
them here. What the command may do is kept small on purpose, because whoever runs it has the server:

- it creates only administrator accounts (system, security, audit), and only while no active account holds
  that role: the first ones, or a new one after the last was deactivated (with a second administrator's
  approval, on the web);
- it never changes an existing account (no password reset, no role change): those go through the web pages,
  where a change to an administrator needs a second administrator's approval.
- API tokens: it lists an account's tokens and revokes one (``account token list USERNAME``,
  ``account token revoke ID``), which only ever takes access away, e.g. a leaked token at night; it never
  issues one, since a token is a credential to people data that only the security administrator grants and
  only its user collects.

The password is read from the terminal (or one line of stdin with ``--password-stdin``), checked against the
password policy, and must be changed at the first login. The creation is in the audit trail as ``cli:<OS user>``.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingzhun.accounts.models import ApiToken, Role, User
from jingzhun.accounts.permissions import ADMINISTRATORS
from jingzhun.accounts.selectors import api_tokens_of
from jingzhun.accounts.services import account_bootstrap, api_token_revoke


class Command(BaseCommand):
    help = (
        "Create an administrator while none of that role is active: `create USERNAME --role ROLE [--name NAME]`; "
        "`token list USERNAME`, `token revoke ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create the first administrator of a role")
        create.add_argument("username")
        create.add_argument(
            "--role", required=True, choices=[value for value, _ in Role.choices if value in ADMINISTRATORS]
        )
        create.add_argument("--name", default="", help="display name")
        create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        token = actions.add_parser("token", help="API tokens").add_subparsers(dest="token_action", required=True)
        listing = token.add_parser("list", help="an account's tokens")
        listing.add_argument("username")
        revoke = token.add_parser("revoke", help="revoke a token by its number")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(**options)
            return
        token_actions: dict[str, Callable[..., None]] = {"list": self._token_list, "revoke": self._token_revoke}
        token_actions[options["token_action"]](**options)

    def _create(self, *, username: str, role: str, name: str, password_stdin: bool, **_: Any) -> None:
        password = self._password(password_stdin)
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

    def _token_list(self, *, username: str, **_: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的账号。")
        now = timezone.now()
        for token in api_tokens_of(user=user):
            last = f"{timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}" if token.last_used_at else "—"
            self.stdout.write(
                f"{token.pk}\t{token.name}\t{token.state(now).label}\t{token.prefix or '—'}\t"
                f"至 {timezone.localtime(token.expires_at):%Y-%m-%d}\t最近使用 {last}"
            )

    def _token_revoke(self, *, token_id: int, **_: Any) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"没有编号为 {token_id} 的令牌。")
        api_token_revoke(by=None, token=token)
        self.stdout.write(f"令牌 {token_id}（{token.user.username}，{token.name}）已撤销。")
