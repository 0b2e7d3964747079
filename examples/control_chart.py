"""Draw an X-bar/R control chart of fill weights, with run rules and capability.

Simulates 30 batches of 5 fill weights whose last three drift upwards,
uploads them, asks for an X-bar/R chart whose limits come from the first 25
batches, with the Western Electric rules and specification limits 498-502 g,
prints the limits, the violations and the capability indices, and writes
the server's picture of the chart to a PNG file.

    NEUROGATE_TARGET=127.0.0.1:50051 NEUROGATE_API_KEY=... \
        python examples/control_chart.py --png chart.png
"""

from __future__ import annotations

import argparse
import random

import pandas as pd

from neurogate.client import Client


def weights() -> pd.DataFrame:
    rng = random.Random(7)
    return pd.DataFrame(
        [
            {"batch": batch, "weight": round(rng.gauss(500 + (1.2 if batch > 27 else 0.0), 0.5), 3)}
            for batch in range(1, 31)
            for _ in range(5)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", default="control_chart.png", help="picture to write")
    args = parser.parse_args()

    with Client.from_env() as client:
        dataset = client.data.upload(weights(), name="fill weights")
        try:
            chart = client.spc.control_chart(
                dataset_id=dataset.id,
                column="weight",
                chart_type="xbar_r",
                subgroup_column="batch",
                phase_one_subgroups=25,
                rules=["western_electric"],
                spec_limits={"lsl": 498, "usl": 502},
                render="png",
            )
        finally:
            client.data.delete(dataset.id)
    print(f"center {chart.center_line:.3f}  LCL {chart.lcl:.3f}  UCL {chart.ucl:.3f}")
    for violation in chart.violations:
        print(f"batch {violation['point']}: {violation['value']:.3f} ({violation['rule']})")
    indices = ("cp", "cpk", "pp", "ppk")
    print("capability:", {name: round(chart.capability[name], 3) for name in indices})
    print(f"wrote {chart.save_image(args.png)}")


if __name__ == "__main__":
    main()
