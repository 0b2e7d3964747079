"""``neurogate spc chart``: a control chart of a dataset's column, as
numbers and, with ``--png``/``--svg``, as a picture drawn by the server.

The PNG comes with the chart in one call (``render``); an SVG as well is a
second call, for the picture alone. ``--json`` prints the chart without the
picture's bytes, which are in the file named.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from neurogate.client.cli._invocation import Invocation, client_command, jsonable, table
from neurogate.client.models import ControlChart

__all__ = ["spc"]

_PATH = click.Path(dir_okay=False, writable=True, path_type=Path)


def _text(chart: ControlChart, pictures: list[Path]) -> str:
    lines = [
        f"{chart.chart_type}: center {chart.center_line:.6g}, "
        f"LCL {chart.lcl:.6g}, UCL {chart.ucl:.6g}, sigma {chart.sigma:.6g}",
        f"{len(chart.points)} points, {len(chart.violations)} violations",
    ]
    if chart.violations:
        lines.append(
            table(
                ((v.get("point"), v.get("value"), v.get("rule")) for v in chart.violations),
                ["POINT", "VALUE", "RULE"],
            )
        )
    if chart.capability:
        indices = ("cp", "cpk", "pp", "ppk", "cpm", "ppm_total")
        lines.append(
            "capability: "
            + ", ".join(f"{i} {chart.capability[i]:.4g}" for i in indices if i in chart.capability)
        )
    lines.extend(f"wrote {path}" for path in pictures)
    return "\n".join(lines)


@click.group("spc")
def spc() -> None:
    """Statistical process control."""


@spc.command("chart")
@click.argument("dataset_id", metavar="DATASET")
@click.option("--column", required=True, help="Measurements, or counts for p/np/c/u charts.")
@click.option(
    "--chart-type",
    required=True,
    help="xbar_r, xbar_s, i_mr, p_chart, np_chart, c_chart, u_chart, cusum or ewma.",
)
@click.option("--subgroup-size", type=int, help="Consecutive rows per subgroup.")
@click.option("--subgroup-column", help="Rows sharing its value form a subgroup.")
@click.option("--sample-size", type=int, help="Constant sample size (attribute charts).")
@click.option("--sample-size-column", help="Sample size per row (attribute charts).")
@click.option("--phase-one", type=int, help="Estimate the limits from the first N subgroups.")
@click.option("--rule", "rules", multiple=True, help="nelson_1..nelson_8, western_electric.")
@click.option("--lsl", type=float, help="Lower specification limit.")
@click.option("--usl", type=float, help="Upper specification limit.")
@click.option("--spec-target", type=float, help="Specification target (for Cpm).")
@click.option("--png", type=_PATH, help="Write the chart as a PNG picture.")
@click.option("--svg", type=_PATH, help="Write the chart as an SVG picture.")
@client_command
def chart(
    call: Invocation,
    dataset_id: str,
    column: str,
    chart_type: str,
    subgroup_size: int | None,
    subgroup_column: str | None,
    sample_size: int | None,
    sample_size_column: str | None,
    phase_one: int | None,
    rules: tuple[str, ...],
    lsl: float | None,
    usl: float | None,
    spec_target: float | None,
    png: Path | None,
    svg: Path | None,
) -> None:
    """A control chart with its limits, violations and capability."""
    limits = {"lsl": lsl, "usl": usl, "target": spec_target}
    spec_limits = {name: value for name, value in limits.items() if value is not None}
    given = {
        "subgroup_column": subgroup_column,
        "sample_size": sample_size,
        "sample_size_column": sample_size_column,
        "phase_one_subgroups": phase_one,
    }
    options = {name: value for name, value in given.items() if value is not None}
    request = {
        "dataset_id": dataset_id,
        "column": column,
        "chart_type": chart_type,
        "subgroup_size": subgroup_size,
        "spec_limits": spec_limits or None,
        "rules": list(rules),
        **options,
    }
    pictures: list[Path] = []
    with call.client() as client:
        result = client.spc.control_chart(**request, render="png" if png else None)
        if png:
            pictures.append(result.save_image(png))
        if svg:
            svg.write_bytes(client.spc.control_chart_image(**request, format="svg"))
            pictures.append(svg)
    data = jsonable(dataclasses.replace(result, image=None))
    call.emit({**data, "images": [str(path) for path in pictures]}, lambda: _text(result, pictures))
