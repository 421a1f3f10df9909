"""A sample county for development, demos and benchmarks: a household ledger (docs/LEDGER.md §1) of any size,
its village facts (§1b) and, on request, realistic faults with a report of each.

Plain Python, no Django: ``generate()`` is what the ``jingzhun generate`` command calls. Distributions and
fault kinds are documented in ``docs/sample-county.md``.
"""

from .columns import LEDGER_HEADERS, REPORT_HEADERS, VILLAGE_HEADERS
from .generator import GenerateError, Outputs, Summary, generate, output_paths
from .geography import DEFAULT_COUNTY_CODE

__all__ = [
    "DEFAULT_COUNTY_CODE",
    "LEDGER_HEADERS",
    "REPORT_HEADERS",
    "VILLAGE_HEADERS",
    "GenerateError",
    "Outputs",
    "Summary",
    "generate",
    "output_paths",
]
