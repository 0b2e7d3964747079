"""``neurogate analyze``: statistics, hypothesis tests and clustering of a
dataset, computed by the server (the numbers SciPy, pandas and scikit-learn
give; see the README's analysis section)."""

from __future__ import annotations

import click

from neurogate.client.cli._invocation import Invocation, client_command, table

__all__ = ["analyze"]


@click.group("analyze")
def analyze() -> None:
    """Statistics and tests on a dataset."""


@analyze.command("describe")
@click.argument("dataset_id", metavar="DATASET")
@click.option("--column", "columns", multiple=True, help="A column (repeat; default: all).")
@click.option("--percentile", "percentiles", multiple=True, type=float, help="e.g. 5 (repeat).")
@client_command
def describe(
    call: Invocation, dataset_id: str, columns: tuple[str, ...], percentiles: tuple[float, ...]
) -> None:
    """Descriptive statistics (std and var with ddof=1)."""
    with call.client() as client:
        result = client.analysis.descriptive(
            dataset_id=dataset_id, columns=list(columns), percentiles=list(percentiles)
        )
    call.emit(result, lambda: result.to_pandas().to_string())


@analyze.command("test")
@click.argument("dataset_id", metavar="DATASET")
@click.option(
    "--test",
    "test_type",
    required=True,
    help="two_sample_t, paired_t, one_sample_t, "
    "one_way_anova, chi_square, mann_whitney, kruskal_wallis, shapiro_wilk, levene, "
    "pearson, spearman.",
)
@click.option("--column", required=True, help="The measured column.")
@click.option("--group-column", default="", help="Column whose values name the groups.")
@click.option("--second-column", default="", help="Paired, correlated or crossed column.")
@click.option("--alpha", default=0.0, type=float, help="Significance level (default 0.05).")
@client_command
def test(
    call: Invocation,
    dataset_id: str,
    test_type: str,
    column: str,
    group_column: str,
    second_column: str,
    alpha: float,
) -> None:
    """A hypothesis test."""
    with call.client() as client:
        result = client.analysis.hypothesis_test(
            dataset_id=dataset_id,
            test=test_type,
            column=column,
            group_column=group_column,
            second_column=second_column,
            alpha=alpha,
        )
    call.emit(result, result.interpretation)


@analyze.command("cluster")
@click.argument("dataset_id", metavar="DATASET")
@click.option("--feature", "features", multiple=True, required=True, help="A column (repeat).")
@click.option("--algorithm", default="kmeans", show_default=True)
@click.option("--k", type=int, default=None, help="Clusters (default: best silhouette of 2-10).")
@client_command
def cluster(
    call: Invocation, dataset_id: str, features: tuple[str, ...], algorithm: str, k: int | None
) -> None:
    """Clusters the rows, named by how they differ from the rest."""
    with call.client() as client:
        result = client.segmentation.cluster(
            dataset_id=dataset_id, features=list(features), algorithm=algorithm, k=k
        )
    call.emit(
        result,
        lambda: table(
            ((c.get("cluster_id"), c.get("name"), c.get("size")) for c in result.clusters),
            ["CLUSTER", "NAME", "SIZE"],
        ),
    )
