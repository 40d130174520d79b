"""The picture of a load: weight and observed share per colour over time, errors marked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.traffic.checks import StageReport
from harness.traffic.load import Sample


def plot(path: Path, samples: Sequence[Sample], stages: Sequence[StageReport]) -> None:
    """Per colour over time: the applied weight (steps) and the share served (rolling window of
    header-less answers); failed requests as red markers (gid "errors"); stage boundaries
    labelled. SVG or PNG by suffix; the same samples give the same bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ordered = sorted(samples, key=lambda s: s.started)
    plain = [s for s in ordered if s.header is None and s.ok and s.colour]
    colours = sorted({c for r in stages for c in r.weights} | {s.colour or "" for s in plain})
    window = max(10, min(200, len(plain) // 20))
    every = max(1, len(plain) // 2000)  # a few thousand points per line keep the SVG small
    # No dates in the metadata and a fixed hash salt: the same samples give the same file.
    with rc_context({"svg.hashsalt": "harness-traffic", "svg.fonttype": "none"}):
        figure = Figure(figsize=(10, 4.5))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        for colour in filter(None, colours):
            tint = {"blue": "tab:blue", "green": "tab:green"}.get(colour)
            times = [s.started for s in plain]
            applied = [(s.applied or {}).get(colour, 0) for s in plain]
            turns = [
                i for i, w in enumerate(applied) if i in (0, len(plain) - 1) or w != applied[i - 1]
            ]
            axes.step(
                [times[i] for i in turns], [applied[i] for i in turns], where="post", color=tint,
                label=f"{colour} weight",
            )  # fmt: skip
            rolling, hits = [], 0
            for i, s in enumerate(plain):
                hits += s.colour == colour
                if i >= window:
                    hits -= plain[i - window].colour == colour
                rolling.append(100.0 * hits / min(i + 1, window))
            axes.plot(
                times[::every], rolling[::every], color=tint, alpha=0.6, ls=":",
                label=f"{colour} served",
            )  # fmt: skip
        bad = [s.started for s in ordered if not s.ok]
        (marks,) = axes.plot(bad, [-5.0] * len(bad), "x", color="red", label="failed request")
        marks.set_gid("errors")
        for report in stages:
            began = next((s.started for s in ordered if s.stage == report.name), None)
            if began is not None:
                axes.axvline(began, color="grey", lw=0.8, ls="--")
                axes.text(began, 104, report.name, rotation=30, fontsize=7, gid="stage")
        axes.set(xlabel="seconds since the load started", ylabel="% of requests", ylim=(-10, 102))
        axes.legend(loc="center right", fontsize=7)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, metadata={"Date": None} if path.suffix.lower() == ".svg" else {})
