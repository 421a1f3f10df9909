"""Django settings for Jingzhun.

One settings module, driven by environment variables:

- ``JINGZHUN_DATA_DIR``: where the embedded database, the secret key and uploads live
  (default ``$XDG_DATA_HOME/jingzhun`` or ``~/.local/share/jingzhun``).
- ``DATABASE_URL``: a PostgreSQL URL (``postgres://user@host:5432/db``); without it, SQLite in WAL mode
  in the data directory is used.
- ``JINGZHUN_PRODUCTION``: ``1`` for the settings an office runs with (``jingzhun serve``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from jingzhun.datadir import data_dir, secret_key_path

BASE_DIR = Path(__file__).resolve().parent


DATA_DIR = data_dir()
PRODUCTION = os.environ.get("JINGZHUN_PRODUCTION") == "1"


def _secret_key() -> str:
    # Read only: the key file is made by `jingzhun` and the WSGI entry point (datadir.data_dir_prepare).
    from_env = os.environ.get("JINGZHUN_SECRET_KEY")
    if from_env:
        return from_env
    key_file = secret_key_path(DATA_DIR)
    if key_file.exists():
        return key_file.read_text().strip()
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"没有密钥：{key_file} 不存在。请用 jingzhun 命令启动（它会创建密钥），或设置 JINGZHUN_SECRET_KEY。"
        )
    # A process that was not started by `jingzhun` (pytest, a tool reading the settings): a key of its own.
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("JINGZHUN_DEBUG") == "1" and not PRODUCTION
ALLOWED_HOSTS = [h for h in os.environ.get("JINGZHUN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "jingzhun.core",
    "jingzhun.accounts",
    "jingzhun.areas",
    "jingzhun.registry",
    "jingzhun.policy",
    "jingzhun.monitoring",
    "jingzhun.assistance",
    "jingzhun.crosscheck",
    "jingzhun.adjustments",
    "jingzhun.projects",
    "jingzhun.benefits",
    "jingzhun.supervision",
    "jingzhun.reports",
    "jingzhun.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Right after WhiteNoise (static files stay cacheable): every other response, including those other
    # middleware answer with (a session timeout, a lockout, a CSRF failure), is marked no-store.
    "jingzhun.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingzhun.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in the path: 404 before a view hands it to the database (PostgreSQL refuses it with an error).
    "jingzhun.core.middleware.NoNulInPathMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: log out run-out sessions, then insist on a password change.
    "jingzhun.accounts.middleware.SessionTimeoutMiddleware",
    "jingzhun.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jingzhun.urls"
WSGI_APPLICATION = "jingzhun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jingzhun.projects.context.project_nav",
                "jingzhun.benefits.context.benefit_nav",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "jingzhun.sqlite3"
# Memory of the embedded database: each connection keeps up to SQLITE_CACHE_MB of pages (64 MB for a command;
# `jingzhun serve` makes it 16, see cli.serve_environment), and the server keeps one connection per worker
# thread for SQLITE_CONN_MAX_AGE seconds (0: a new one for every request), the task worker one more: at most
# (threads + 1) × SQLITE_CACHE_MB beside the processes' own memory (README, "服务器内存"). The pages a request
# reads are in the operating system's file cache anyway, shared by every connection; 64 MB each made eight
# threads' caches half a gigabyte.
SQLITE_CACHE_MB = int(os.environ.get("JINGZHUN_SQLITE_CACHE_MB", 64))
SQLITE_CONN_MAX_AGE = int(os.environ.get("JINGZHUN_SQLITE_CONN_MAX_AGE", 60))

# Django takes a Path as the SQLite NAME; dj-database-url's TypedDict would insist on str.
DATABASES: dict[str, Any]
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets the web app read while an import writes; NORMAL is durable in WAL mode
                # except for the last transactions on power loss, which is the usual trade-off.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=10000;"
                    f"PRAGMA cache_size=-{SQLITE_CACHE_MB * 1024};"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            "CONN_MAX_AGE": SQLITE_CONN_MAX_AGE,
            "TEST": {"NAME": None},
        }
    }

# The cache of summaries (dashboards, standard tables, a run's figures): files under the data directory, so every
# thread and every process of the server shares one copy and a summary is computed once (jingzhun.core.cache).
# Keys carry the version of the data a figure is counted from, so a change never shows a stale figure; old
# entries expire after a day. One machine: several machines behind one address would each keep their own.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache" / "summaries",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while an account or address is locked out
    "django.contrib.auth.backends.ModelBackend",
]

# --- security controls (等保三级) -----------------------------------------------------------------------------
# Login lockout (django-axes): 5 failed logins lock the *account name* for 30 minutes, or until the security
# administrator unlocks it (/accounts/security/). By user name alone, not by address: an office's computers
# reach the server through one NAT address, so locking the address would lock out the whole office for one
# colleague's typos, and locking only the (name, address) pair would let an attacker go on from another
# address. axes.W006 (no 'ip_address') warns about exactly the address-based bypass that a name-only lockout
# is not open to, so it is silenced below on purpose.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jingzhun.accounts.views.locked_out"  # the login page with the reason, in Chinese
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Passwords: at least 10 characters of 3 kinds (AUTH_PASSWORD_VALIDATORS below), changed every
# PASSWORD_MAX_AGE_DAYS days (0: never expire); initial passwords set by an administrator must be changed first.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("JINGZHUN_PASSWORD_MAX_AGE_DAYS", 90))
# A new password may not be one of the last PASSWORD_HISTORY_SIZE, the current one included (hashes are kept).
PASSWORD_HISTORY_SIZE = 5

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request and SESSION_ABSOLUTE_TIMEOUT seconds after
# the login (jingzhun.accounts.sessions); SESSION_COOKIE_AGE below is the same absolute limit for the cookie.
SESSION_IDLE_TIMEOUT = int(os.environ.get("JINGZHUN_SESSION_IDLE_TIMEOUT", 30 * 60))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("JINGZHUN_SESSION_ABSOLUTE_TIMEOUT", 8 * 3600))

# A search by a full ID number answers "is this the masked number?": a user without the right to see full
# numbers gets at most this many searches that find nobody per hour (1 to 10), then none until the hour has
# passed (jingzhun.accounts.services.id_number_search_record). Every such search is in the access log.
ID_NUMBER_SEARCH_MISSES_PER_HOUR = min(10, max(1, int(os.environ.get("JINGZHUN_ID_NUMBER_SEARCH_MISSES", 10))))

# The audit trail and access log are kept at least this long; `jingzhun audit purge` refuses younger entries.
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("JINGZHUN_AUDIT_RETENTION_DAYS", 180)))
# A ledger exported in the browser is written by the task worker to <data dir>/jobs/<kind>/…; its file is deleted
# when the same user's next export of that kind is written, and at the latest this many days after it was written.
EXPORT_KEEP_DAYS = max(1, int(os.environ.get("JINGZHUN_EXPORT_KEEP_DAYS", 7)))
# The benefit catalogue the benefits center works with (docs/政策兑现.md): the shipped "default", or a county's own
# file in <data dir>/benefits/.
BENEFIT_CATALOGUE = os.environ.get("JINGZHUN_BENEFIT_CATALOGUE", "default")

# HTTPS. With JINGZHUN_PRODUCTION=1 the site is HTTPS only: HTTP is redirected, cookies are secure and HSTS is
# sent, so `jingzhun check --deploy` has nothing to report. `jingzhun serve` speaks plain HTTP, so in production
# it sits behind a TLS proxy (nginx, the office gateway) on the same machine or network: set
# JINGZHUN_BEHIND_TLS_PROXY=1, and JINGZHUN_TRUSTED_PROXY to the proxy's IP address when it is not 127.0.0.1.
# waitress then believes X-Forwarded-Proto and X-Forwarded-For from that one address and drops them from any
# other (the proxy must set both, and must be the only way in); the request's scheme (wsgi.url_scheme) is all
# Django looks at, so SECURE_PROXY_SSL_HEADER stays unset: the decision is taken once, where the peer's address
# is known. JINGZHUN_HTTPS=0 turns all of this off for a closed network without certificates; `check --deploy`
# then warns, rightly. JINGZHUN_HSTS_SECONDS defaults to one year.
HTTPS = PRODUCTION and os.environ.get("JINGZHUN_HTTPS", "1") == "1"
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("JINGZHUN_HSTS_SECONDS", 365 * 24 * 3600)) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS  # only a statement in the header; nothing is submitted to the browsers' list
BEHIND_TLS_PROXY = os.environ.get("JINGZHUN_BEHIND_TLS_PROXY") == "1"
TRUSTED_PROXY = (os.environ.get("JINGZHUN_TRUSTED_PROXY") or "127.0.0.1") if BEHIND_TLS_PROXY else None

# Content Security Policy (django-csp): only our own, vendored files. Inline <script> needs the per-request
# nonce: <script nonce="{{ request.csp_nonce }}">; inline style attributes are refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- background tasks (imports from the browser): stored in the database, run by `jingzhun serve`'s worker --
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a request without credentials a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jingzhun.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "jingzhun.core.api.ApiSchema",
    "EXCEPTION_HANDLER": "jingzhun.core.api.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jingzhun API",
    "DESCRIPTION": "精准：建档立卡、评估与监测的接口。所有数据按用户的区划范围过滤。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Only for a logged-in user: the schema lists every field and filter of the people data, which is no
    # business of whoever can reach the server on the office network.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # One name per closed vocabulary, so that fields of the same name with different choices (a member's
    # status, a household's status) do not collide.
    "ENUM_NAME_OVERRIDES": {
        "PovertyStatusEnum": "jingzhun.registry.vocab.PovertyStatus",
        "MemberStatusEnum": "jingzhun.registry.vocab.MemberStatus",
        "AttributeEnum": "jingzhun.registry.vocab.Attribute",
        "CauseEnum": "jingzhun.registry.vocab.Cause",
        "RelationEnum": "jingzhun.registry.vocab.Relation",
        "EducationEnum": "jingzhun.registry.vocab.Education",
        "SchoolStatusEnum": "jingzhun.registry.vocab.SchoolStatus",
        "HealthEnum": "jingzhun.registry.vocab.Health",
        "DisabilityGradeEnum": "jingzhun.registry.vocab.DisabilityGrade",
        "LaborEnum": "jingzhun.registry.vocab.Labor",
        "WorkStatusEnum": "jingzhun.registry.vocab.WorkStatus",
        "MedicalInsuranceEnum": "jingzhun.registry.vocab.MedicalInsurance",
        "HousingGradeEnum": "jingzhun.registry.vocab.HousingGrade",
        "RelocationEnum": "jingzhun.registry.vocab.Relocation",
        "EventKindEnum": "jingzhun.registry.vocab.EventKind",
        "TierEnum": "jingzhun.policy.models.Tier",
        "CategoryEnum": "jingzhun.policy.models.Category",
        "ResultFlagEnum": "jingzhun.web.api_households.FLAG_CHOICES",
        "IndicatorEnum": "jingzhun.web.api_households.INDICATOR_CHOICES",
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jingzhun.accounts.validators.CharacterKindsValidator", "OPTIONS": {"min_kinds": 3}},
    {"NAME": "jingzhun.accounts.validators.UsernameContainedValidator"},
    {"NAME": "jingzhun.accounts.validators.PasswordHistoryValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Uploaded attachments (consent forms, minutes, photos). Never served directly: views stream them after the
# area-scope check.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media-not-served/"
# The Chinese TrueType font printed documents (PDF) are drawn with; empty: found as core/fonts.py describes.
PDF_FONT = os.environ.get("JINGZHUN_PDF_FONT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Limits for files users hand us (docs/LEDGER.md): bigger or inflating files are refused before parsing.
JINGZHUN_MAX_UPLOAD_BYTES = int(os.environ.get("JINGZHUN_MAX_UPLOAD_BYTES", 512 * 1024 * 1024))
JINGZHUN_MAX_XLSX_UNZIPPED_BYTES = int(os.environ.get("JINGZHUN_MAX_XLSX_UNZIPPED_BYTES", 2 * 1024**3))
JINGZHUN_MAX_XLSX_RATIO = int(os.environ.get("JINGZHUN_MAX_XLSX_RATIO", 200))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
