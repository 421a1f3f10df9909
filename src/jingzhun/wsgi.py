"""WSGI entry point (``jingzhun serve`` runs it under waitress)."""

import os

from django.core.wsgi import get_wsgi_application

from jingzhun.datadir import data_dir_prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
data_dir_prepare()
application = get_wsgi_application()
