"""Browser ledger imports become core upload jobs of kind "ledger" (one design for every upload)."""

import uuid

from django.db import migrations


def forward(apps, schema_editor):
    ImportJob = apps.get_model("registry", "ImportJob")
    UploadJob = apps.get_model("core", "UploadJob")
    UploadJob.objects.bulk_create(
        UploadJob(
            id=uuid.uuid4(),
            kind="ledger",
            user_id=job.user_id,
            area_prefix=job.area_prefix,
            file_name=job.file_name,
            path=job.path,
            status=job.status,
            finished_at=job.finished_at,
            result_id=job.batch_id,
            summary=job.summary,
            message=job.message,
            report_path=job.report_path,
        )
        for job in ImportJob.objects.all()
    )
    # created_at is auto_now_add: keep the original time.
    for job in ImportJob.objects.all():
        UploadJob.objects.filter(kind="ledger", path=job.path).update(created_at=job.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("registry", "0005_drop_redundant_income_fk_index"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.DeleteModel(name="ImportJob"),
    ]
