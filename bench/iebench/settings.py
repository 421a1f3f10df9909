"""Settings for the django-import-export lane: the project's settings plus the flat bench table."""

from jingzhun.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "import_export", "bench.iebench"]  # noqa: F405
