"""Control charts as pictures (Matplotlib, no display needed).

One panel per chart panel: the X-bar, I, p, np, c, u, CUSUM or EWMA chart on
top and, for the variables charts, its R, S or MR chart below. Each panel
draws the points joined in order, the centre line, the control limits as
steps (so per-point limits of p, u and EWMA charts show as they are), and
marks the points out of control in red. CUSUM draws its upper and lower
sums against the decision interval ±h. Specification limits, when given,
are drawn on the individuals (I-MR) chart only: on a chart of subgroup
means they would mislead, since means vary less than the items the
specification is about.
"""

from __future__ import annotations

import io
from typing import Final

import matplotlib

matplotlib.use("Agg")  # files, never a window; before pyplot is imported
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from neurogate.server.errors import InvalidParameter
from neurogate.server.spc.chart import ChartResult, Panel, SpecLimits

#: Formats and the content types they are served with.
FORMATS: Final = {"png": "image/png", "svg": "image/svg+xml"}
_TITLES: Final = {
    "xbar": "X-bar",
    "r": "R",
    "s": "S",
    "i": "Individuals",
    "mr": "Moving range",
    "p_chart": "p",
    "np_chart": "np",
    "c_chart": "c",
    "u_chart": "u",
    "cusum": "CUSUM",
    "ewma": "EWMA",
}
_LINE: Final = "#1f4e79"
_LIMIT: Final = "#c0392b"
_CENTRE: Final = "#2e7d32"
_SPEC: Final = "#7b1fa2"
_WIDTH_INCHES: Final = 9.0
_PANEL_INCHES: Final = 3.2
_DPI: Final = 110
#: Charts with more points than this are drawn as lines without markers.
_MARKED_POINTS: Final = 1000


def check_format(fmt: str) -> str:
    """``fmt`` if it is a format this module renders; INVALID_PARAMETER otherwise."""
    if fmt not in FORMATS:
        raise InvalidParameter(
            f"unknown render format {fmt!r}",
            parameter="render",
            value=fmt,
            valid_choices=list(FORMATS),
        )
    return fmt


def render(result: ChartResult, fmt: str, title: str, spec: SpecLimits | None = None) -> bytes:
    """The chart of ``result`` as a PNG or SVG file."""
    check_format(fmt)
    panels = [result.main] + ([result.secondary] if result.secondary is not None else [])
    figure, axes = plt.subplots(
        len(panels),
        1,
        figsize=(_WIDTH_INCHES, _PANEL_INCHES * len(panels)),
        sharex=True,
        squeeze=False,
    )
    try:
        for panel, ax in zip(panels, axes[:, 0], strict=True):
            if panel.chart_type == "cusum":
                _draw_cusum(ax, panel)
            else:
                _draw(ax, panel)
        if spec is not None and result.chart_type == "i_mr":
            _draw_spec(axes[0, 0], spec)
        axes[-1, 0].set_xlabel("subgroup")
        figure.suptitle(title)
        figure.tight_layout()
        buffer = io.BytesIO()
        # No date and fixed element ids: the same chart is the same file.
        metadata = {"Date": None} if fmt == "svg" else None
        with matplotlib.rc_context({"svg.hashsalt": "neurogate"}):
            figure.savefig(buffer, format=fmt, dpi=_DPI, metadata=metadata)
        return buffer.getvalue()
    finally:
        plt.close(figure)


def _marker_size(panel: Panel) -> float:
    """Point markers for charts a reader can count; a line alone beyond that."""
    return 3 if len(panel) <= _MARKED_POINTS else 0


def _draw(ax: Axes, panel: Panel) -> None:
    x = panel.numbers
    ax.plot(x, panel.values, marker="o", markersize=_marker_size(panel), color=_LINE, lw=1)
    ax.step(x, panel.point_ucl, where="mid", color=_LIMIT, lw=1, ls="--")
    ax.step(x, panel.point_lcl, where="mid", color=_LIMIT, lw=1, ls="--")
    ax.axhline(panel.center_line, color=_CENTRE, lw=1)
    flagged = panel.out_of_control
    ax.plot(
        x[flagged],
        panel.values[flagged],
        ls="none",
        marker="o",
        markersize=6,
        color=_LIMIT,
        label="out of control",
    )
    ax.set_ylabel(_TITLES.get(panel.chart_type, panel.chart_type))
    _label_lines(ax, panel)


def _draw_cusum(ax: Axes, panel: Panel) -> None:
    x = panel.numbers
    for sums in (panel.upper, panel.lower):
        ax.plot(x, sums, marker="o", markersize=_marker_size(panel), color=_LINE, lw=1)
    ax.axhline(panel.ucl, color=_LIMIT, lw=1, ls="--")
    ax.axhline(panel.lcl, color=_LIMIT, lw=1, ls="--")
    ax.axhline(0.0, color=_CENTRE, lw=1)
    for sums in (panel.upper, panel.lower):
        beyond = (sums > panel.ucl) | (sums < panel.lcl)
        ax.plot(x[beyond], sums[beyond], ls="none", marker="o", markersize=6, color=_LIMIT)
    ax.set_ylabel(_TITLES["cusum"])
    _label_lines(ax, panel)


def _draw_spec(ax: Axes, spec: SpecLimits) -> None:
    for name, value in (("LSL", spec.lsl), ("USL", spec.usl), ("target", spec.target)):
        if value is not None:
            ax.axhline(value, color=_SPEC, lw=1, ls=":")
            ax.annotate(
                f"{name} {value:.6g}",
                (1.0, value),
                xycoords=("axes fraction", "data"),
                fontsize=7,
                color=_SPEC,
                ha="right",
                va="bottom",
            )


def _label_lines(ax: Axes, panel: Panel) -> None:
    """UCL, CL and LCL values at the right edge, as Minitab prints them."""
    for name, value in (("UCL", panel.ucl), ("CL", panel.center_line), ("LCL", panel.lcl)):
        ax.annotate(
            f"{name} {value:.6g}",
            (1.0, value),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=7,
            va="center",
            annotation_clip=False,
        )
