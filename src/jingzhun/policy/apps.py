from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "jingzhun.policy"
    verbose_name = _("standards and assessment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jingzhun.core.uploads import upload_kind_register

        from .jobs import ABANDONED, BUSY, INTERNAL_ERROR, KIND, assessment_job_body
        from .packs import PackError

        # No file; one run at a time; a pack that went bad since the start is its own reason.
        upload_kind_register(
            KIND,
            importer=assessment_job_body,
            suffixes=(),
            failures=(PackError,),
            internal_error=INTERNAL_ERROR,
            abandoned=ABANDONED,
            busy=BUSY,
        )
