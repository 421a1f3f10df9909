"""VillageTally: a run's results counted per village and poverty status when the run is stored, so that the run
page adds up a few thousand rows instead of counting a million results on every view. Runs stored before are
counted here, once (one grouped read of each run's results)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

# As policy.models at the time (a migration keeps its own copy: it is history).
OUTCOMES = ("meets_standard", "exit_eligible", "identify_candidate", "relapse_candidate", "monitoring_flag")
TIERS = ("fragile", "general", "stable", "high_quality")


def count_runs(apps, schema_editor):
    AssessmentRun = apps.get_model("policy", "AssessmentRun")
    HouseholdResult = apps.get_model("policy", "HouseholdResult")
    VillageTally = apps.get_model("policy", "VillageTally")
    assessed = Q(exclusion="")
    counts = {
        "households": Count("id"),
        "people": Coalesce(Sum("size"), 0),
        "assessed": Count("id", filter=assessed),
        **{name: Count("id", filter=assessed & Q(**{name: True})) for name in OUTCOMES},
        **{tier: Count("id", filter=assessed & Q(tier=tier)) for tier in TIERS},
    }
    for run_id in AssessmentRun.objects.filter(finished_at__isnull=False).values_list("id", flat=True):
        rows = (
            HouseholdResult.objects.filter(run_id=run_id)
            .order_by()
            .values("village_code", "poverty_status")
            .annotate(**counts)
        )
        VillageTally.objects.bulk_create([VillageTally(run_id=run_id, **row) for row in rows], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('policy', '0002_area_exits'),
    ]

    operations = [
        migrations.CreateModel(
            name='VillageTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('village_code', models.CharField(max_length=12)),
                ('poverty_status', models.CharField(max_length=20)),
                ('households', models.PositiveIntegerField()),
                ('people', models.PositiveIntegerField()),
                ('assessed', models.PositiveIntegerField()),
                ('meets_standard', models.PositiveIntegerField()),
                ('exit_eligible', models.PositiveIntegerField()),
                ('identify_candidate', models.PositiveIntegerField()),
                ('relapse_candidate', models.PositiveIntegerField()),
                ('monitoring_flag', models.PositiveIntegerField()),
                ('fragile', models.PositiveIntegerField()),
                ('general', models.PositiveIntegerField()),
                ('stable', models.PositiveIntegerField()),
                ('high_quality', models.PositiveIntegerField()),
                ('run', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='policy.assessmentrun')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('run', 'village_code', 'poverty_status'), name='tally_one_per_cell')],
            },
        ),
        migrations.RunPython(count_runs, migrations.RunPython.noop),
    ]
