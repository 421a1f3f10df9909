from django.db import migrations, models


def row_ranges(apps, schema_editor):
    """The row range of every batch imported before the range was kept."""
    Batch = apps.get_model("crosscheck", "Batch")
    Row = apps.get_model("crosscheck", "Row")
    for batch in Batch.objects.filter(first_row__isnull=True):
        span = Row.objects.filter(batch=batch).aggregate(first=models.Min("id"), last=models.Max("id"))
        if span["first"] is not None:
            Batch.objects.filter(pk=batch.pk).update(first_row=span["first"], last_row=span["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("crosscheck", "0003_match_indexes_run_area"),
    ]

    operations = [
        migrations.AddField(
            model_name="batch",
            name="first_row",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="batch",
            name="last_row",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(row_ranges, migrations.RunPython.noop),
    ]
