"""AssessmentRun.registry_marks: where the registry's history stood when a run read it, so that the households
changed since are known (runs made before have none, and their tables against the current statuses read the
registry whole)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('policy', '0003_village_tally'),
    ]

    operations = [
        migrations.AddField(
            model_name='assessmentrun',
            name='registry_marks',
            field=models.JSONField(blank=True, null=True),
        ),
    ]
