from django.apps import AppConfig


class WebConfig(AppConfig):
    """The composition layer: pages, API routing and commands that span several apps."""

    name = "jingzhun.web"
    label = "web"
