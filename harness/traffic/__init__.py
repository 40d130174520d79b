"""Bounded HTTP load through the listener during a release, and what it must show.

The same code serves the emulated data plane and a real AWS account: `load` sends the
requests, `checks` judges them (failures, shares, the header rule) and writes the report,
`plot` draws the run.
"""

from harness.traffic.checks import (
    StageReport,
    binomial_interval,
    failed,
    report_document,
    share_problems,
    summarise,
    table,
    write_report,
)
from harness.traffic.load import (
    COLOUR_HEADER,
    ROUTE_HEADER,
    Load,
    Sample,
    error_kind,
    parse_route,
    read_version,
)
from harness.traffic.plot import plot

__all__ = [
    "COLOUR_HEADER",
    "ROUTE_HEADER",
    "Load",
    "Sample",
    "StageReport",
    "binomial_interval",
    "error_kind",
    "failed",
    "parse_route",
    "plot",
    "read_version",
    "report_document",
    "share_problems",
    "summarise",
    "table",
    "write_report",
]
