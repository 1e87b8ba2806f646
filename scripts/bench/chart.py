"""The throughput chart: grouped bars, one group per N and one bar per (measurement, workers).

The top panel is articles per second of wall time, the one a reader wants; the bottom one
is articles per CPU-second, which other load on a shared machine barely moves, so a slow
spell of the machine shows as a gap between the two.
"""
import pathlib
from typing import List, Sequence

# The Agg canvas, not pyplot: it draws to files without a display and keeps no global figure state.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scripts.bench.measure import KINDS
from scripts.bench.report import KIND_NAMES, find

# One hue per measurement; more workers are a lighter shade of it.
_HUES = {'pipeline': 'tab:blue', 'reference': 'tab:red', 'noop': 'tab:green'}
PANELS = (('articles_per_s', 'articles/s (wall clock)'), ('articles_per_cpu_s', 'articles per CPU-second'))
SIZE_INCHES = (10, 9)
DPI = 100


def _series(rows: Sequence[dict]) -> List[tuple]:
    """(kind, workers) pairs that have rows, in report order."""
    present = {(r['kind'], r['workers']) for r in rows}
    return [(kind, w) for kind in KINDS for w in sorted({r['workers'] for r in rows}) if (kind, w) in present]


def chart_figure(rows: Sequence[dict], title: str) -> Figure:
    """The figure of the rows (report rows: kind, n, workers and the PANELS' metrics)."""
    sizes = sorted({r['n'] for r in rows})
    series = _series(rows)
    workers = sorted({w for _, w in series})
    width = 0.8 / max(1, len(series))
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(PANELS), 1)
    figure.suptitle(title)
    for ax, (metric, label) in zip(axes, PANELS):
        for index, (kind, w) in enumerate(series):
            found = [(g, find(rows, kind, n, w)) for g, n in enumerate(sizes)]
            found = [(g, row[metric]) for g, row in found if row and row.get(metric)]
            if not found:
                continue
            shade = 1.0 - 0.5 * workers.index(w) / max(1, len(workers) - 1)
            bars = ax.bar([g - 0.4 + width * (index + 0.5) for g, _ in found], [value for _, value in found],
                          width * 0.9, color=_HUES[kind], alpha=shade,
                          label=f"{KIND_NAMES[kind]}, {w} worker{'s' * (w > 1)}")
            ax.bar_label(bars, fmt='%.1f', fontsize=8)
        ax.set_title(label, loc='left', fontsize=10)
        ax.set_xticks(range(len(sizes)), [f'N = {n:,} articles' for n in sizes])
        ax.margins(y=0.15)
        ax.grid(axis='y', color='0.9')
        ax.set_axisbelow(True)
    axes[0].legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    figure.tight_layout()
    return figure


def draw_chart(rows: Sequence[dict], path: pathlib.Path, title: str) -> None:
    """Writes the chart of the rows to path as a PNG of SIZE_INCHES * DPI pixels."""
    chart_figure(rows, title).savefig(path, format='png', dpi=DPI)
