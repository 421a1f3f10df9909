"""Import the first N rows of a ledger CSV with django-import-export (a ModelResource over LedgerRow).

Run in its own process by bench/import_ledger.py; prints JSON with rows, seconds and peak RSS.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import sys
import time


def main() -> None:
    path, limit = sys.argv[1], int(sys.argv[2])
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.iebench.settings"
    import django

    django.setup()
    import tablib
    from django.core.management import call_command
    from import_export import resources

    from bench.iebench.models import LedgerRow
    from jingzhun.registry.ledger_format import LEDGER_COLUMNS

    call_command("migrate", run_syncdb=True, verbosity=0)
    header_to_field = {c.header: c.field for c in LEDGER_COLUMNS}

    class LedgerRowResource(resources.ModelResource):
        class Meta:
            model = LedgerRow
            fields = tuple(header_to_field.values())
            import_id_fields = ()
            use_bulk = True
            batch_size = 5000
            skip_diff = True

    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = [header_to_field.get(h, h) for h in next(reader)]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for n, row in enumerate(reader):
            if n >= limit:
                break
            writer.writerow(row)
    started = time.perf_counter()
    dataset = tablib.Dataset().load(buffer.getvalue(), format="csv")
    result = LedgerRowResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": len(dataset),
                "seconds": seconds,
                "errors": result.has_errors(),
                "stored": LedgerRow.objects.count(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
