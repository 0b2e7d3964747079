"""Upload a CSV file and run Welch's t test between two conditions.

Writes 60 simulated trials (reaction time by condition), uploads them as a
dataset, prints the descriptive statistics of the reaction times and the
t test's statistic, p-value, effect size and interval, then deletes the
dataset again. The server computes exactly what SciPy's
``ttest_ind(..., equal_var=False)`` gives.

    NEUROGATE_TARGET=127.0.0.1:50051 NEUROGATE_API_KEY=... python examples/t_test.py
"""

from __future__ import annotations

import csv
import random
import tempfile
from pathlib import Path

from neurogate.client import Client


def write_trials(path: Path) -> None:
    rng = random.Random(1)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["condition", "age", "rt_ms"])
        for i in range(60):
            condition = "caffeine" if i % 2 else "placebo"
            age = rng.randint(20, 60)
            writer.writerow([condition, age, f"{rng.gauss(360 if i % 2 else 400, 25) + age:.1f}"])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, Client.from_env() as client:
        path = Path(folder) / "trials.csv"
        write_trials(path)
        dataset = client.data.upload(path, name="caffeine trials")
        print(f"uploaded {dataset.id}: {dataset.rows} rows, columns {dataset.column_types}")
        try:
            described = client.analysis.descriptive(
                dataset_id=dataset.id, columns=["rt_ms"], percentiles=[5, 95]
            )
            print(described.to_pandas().to_string())
            test = client.analysis.hypothesis_test(
                dataset_id=dataset.id,
                test="two_sample_t",
                column="rt_ms",
                group_column="condition",
            )
            print(f"statistic={test.statistic:.4f} p_value={test.p_value:.6f} df={test.df:.2f}")
            print(f"effect size: {test.effect_size}")
            print(f"interval: {test.confidence_interval}")
            print(test.interpretation)
        finally:
            client.data.delete(dataset.id)


if __name__ == "__main__":
    main()
