from django.apps import AppConfig


class IebenchConfig(AppConfig):
    name = "bench.iebench"
    label = "iebench"
