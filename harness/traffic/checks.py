"""What a load's samples must show: per-stage summaries, failed requests, each colour's
share against the binomial bound of its weight, the JSON report and the text table."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.paths import write_atomically
from harness.traffic.load import Sample


def binomial_interval(n: int, p: float, confidence: float = 0.999) -> tuple[int, int]:
    """The counts of n draws at probability p that fall outside [lo, hi] with probability at
    most 1 - confidence, half in each tail (exact quantiles, log-space terms via lgamma)."""
    if n == 0 or p <= 0.0:
        return 0, 0
    if p >= 1.0:
        return n, n
    tail = (1.0 - confidence) / 2.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    pmf = [
        math.exp(log_n - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q)
        for k in range(n + 1)
    ]
    lo, below = 0, pmf[0]
    while below < tail:  # the smallest lo with P(X <= lo) >= tail
        lo += 1
        below += pmf[lo]
    hi, above = n, pmf[n]
    while above < tail:  # the largest hi with P(X >= hi) >= tail
        hi -= 1
        above += pmf[hi]
    return lo, hi


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q / 100.0 * len(ordered)) - 1)]


@dataclass
class StageReport:
    """What one stage's requests saw. `served` counts every answer per colour (header requests
    included, `header_served` is their part); `errors` counts every request that is not `ok`."""

    name: str
    weights: dict[str, int]
    requests: int = 0
    served: dict[str, int] = field(default_factory=dict)
    non_2xx: int = 0
    connection_errors: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    header_requests: int = 0
    header_served: dict[str, int] = field(default_factory=dict)
    routed: list[dict[str, Any]] = field(default_factory=list)


def _report(name: str, samples: Sequence[Sample]) -> StageReport:
    # Per weights that routed header-less requests, in order: a stage in which terraform
    # moved the weights shows both, and its `weights` are the last (what it applied).
    segments: dict[tuple[tuple[str, int], ...], list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.header is None and sample.applied is not None:
            segments[tuple(sorted(sample.applied.items()))].append(sample)
    weights = dict(list(segments)[-1]) if segments else {}
    routed = [
        {
            "weights": dict(key),
            "requests": len(group),
            "served": dict(sorted(Counter(s.colour for s in group if s.ok and s.colour).items())),
        }
        for key, group in segments.items()
    ]
    served = Counter(s.colour for s in samples if s.colour and 200 <= s.status < 300)
    headed = [s for s in samples if s.header is not None]
    header_served = Counter(s.colour for s in headed if s.colour and 200 <= s.status < 300)
    answered = [s.latency_ms for s in samples if s.status]
    return StageReport(
        name=name,
        weights=weights,
        requests=len(samples),
        served=dict(sorted(served.items())),
        non_2xx=sum(1 for s in samples if s.status and not 200 <= s.status < 300),
        connection_errors=sum(1 for s in samples if s.status == 0),
        errors=sum(1 for s in samples if not s.ok),
        p50_ms=round(_percentile(answered, 50), 3),
        p99_ms=round(_percentile(answered, 99), 3),
        header_requests=len(headed),
        header_served=dict(sorted(header_served.items())),
        routed=routed,
    )


def summarise(samples: Iterable[Sample]) -> list[StageReport]:
    """One report per stage, in the order the stages first appear."""
    stages: dict[str, list[Sample]] = defaultdict(list)
    for sample in sorted(samples, key=lambda s: s.started):
        stages[sample.stage].append(sample)
    return [_report(name, group) for name, group in stages.items()]


def share_problems(samples: Iterable[Sample], confidence: float = 0.999) -> list[str]:
    """Where the colours served disagree with the weights that routed the requests.

    Requests without `X-Colour` are grouped by their exact weights (route header, else the
    stage's); in each group every colour's count must lie in its binomial interval at
    `confidence` (weight 0: none, all the weight: all). Requests with `X-Colour` must all be
    served by that colour. Requests without an answer or known weights are not counted here.
    """
    groups: dict[tuple[tuple[str, int], ...], list[Sample]] = defaultdict(list)
    problems = []
    wrong: Counter[tuple[str, str, str]] = Counter()
    for s in samples:
        if not s.ok or s.colour is None:
            continue
        if s.header is not None:
            if s.colour != s.header:
                wrong[(s.stage, s.header, s.colour)] += 1
        elif s.applied is not None:
            groups[tuple(sorted(s.applied.items()))].append(s)
    for (stage, sent, got), count in wrong.items():
        problems.append(f"stage {stage!r}: {count} requests with X-Colour: {sent} served by {got}")
    for key, group in groups.items():
        weights, total = dict(key), sum(w for _, w in key)
        seen = Counter(s.colour or "" for s in group)
        stages = ", ".join(dict.fromkeys(s.stage for s in group))
        for colour in sorted(set(weights) | set(seen)):
            p = weights.get(colour, 0) / total if total else 0.0
            lo, hi = binomial_interval(len(group), p, confidence)
            if not lo <= seen[colour] <= hi:
                problems.append(
                    f"weights {_weights(weights)} (stage {stages}): {colour} served "
                    f"{seen[colour]} of {len(group)}, expected {lo}..{hi} "
                    f"at {confidence:.1%} confidence"
                )
    return problems


def failed(samples: Iterable[Sample], examples: int = 3) -> list[str]:
    """Every request without a good answer, counted per stage, status and kind, with examples."""
    bad: dict[tuple[str, int, str], list[Sample]] = defaultdict(list)
    for s in sorted(samples, key=lambda s: s.started):
        if not s.ok:
            bad[(s.stage, s.status, s.error or "")].append(s)
    lines = []
    for (stage, status, kind), group in bad.items():
        what = f"status {status}" if status else "connection error"
        lines.append(
            f"stage {stage!r}: {len(group)} x {what}{f' ({kind})' if kind else ''}; e.g. "
            + ", ".join(
                f"t={s.started:.2f}s{f' X-Colour: {s.header}' if s.header else ''}"
                for s in group[:examples]
            )
        )
    return lines


def report_document(samples: Sequence[Sample], *, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON report: per-stage and total counts, every problem, then `meta`."""
    clash = {"stages", "total", "problems"} & set(meta)
    if clash:
        raise ValueError(f"report meta may not set {sorted(clash)}")
    total = asdict(_report("total", samples))
    del total["name"], total["weights"], total["routed"]
    return {
        "stages": [asdict(r) for r in summarise(samples)],
        "total": total,
        "problems": share_problems(samples) + failed(samples),
        **meta,
    }


def write_report(path: Path, document: Mapping[str, Any]) -> None:
    """Write the report as JSON, atomically."""
    write_atomically(path, json.dumps(document, indent=2, sort_keys=False) + "\n")


def table(stages: Sequence[StageReport]) -> str:
    """The stage reports as a fixed-width text table."""
    colours = sorted({c for r in stages for c in (*r.weights, *r.served)})
    header = ("stage", "weights", "requests", *colours, "errors", "p50 ms", "p99 ms")
    rows = [header] + [
        (
            r.name,
            " > ".join(_weights(segment["weights"]) for segment in r.routed)
            or _weights(r.weights)
            or "-",
            str(r.requests),
            *(str(r.served.get(c, 0)) for c in colours),
            str(r.errors),
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
        )
        for r in stages
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _weights(weights: Mapping[str, int]) -> str:
    return "/".join(f"{c}={w}" for c, w in sorted(weights.items()))
