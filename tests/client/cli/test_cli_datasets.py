"""``neurogate datasets``: the whole life of a table, and the mistakes a user
makes with files and ids."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from cli_support import account_cli

from conftest import Stack

TRIALS = pd.DataFrame(
    {
        "condition": ["caffeine", "placebo"] * 6,
        "age": [21, 34, 45, 29, 52, 38, 27, 41, 33, 48, 25, 36],
        "rt_ms": [
            351.0,
            402.5,
            366.2,
            410.1,
            372.4,
            398.7,
            359.9,
            415.3,
            362.8,
            405.6,
            355.1,
            399.4,
        ],
    }
)


async def test_upload_list_show_and_delete_a_dataset(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)
    TRIALS.to_csv(tmp_path / "trials.csv", index=False)

    uploaded = cli.json("datasets", "upload", "trials.csv", "--name", "reaction times")
    assert uploaded["name"] == "reaction times"
    assert (uploaded["rows"], uploaded["columns"]) == (12, 3)
    assert uploaded["column_types"] == {
        "condition": "categorical",
        "age": "numeric",
        "rt_ms": "numeric",
    }

    assert [d["id"] for d in cli.json("datasets", "list")] == [uploaded["id"]]

    shown = cli.json("datasets", "show", uploaded["id"], "--rows", "3")
    assert shown["preview"] == TRIALS.head(3).to_dict("records")
    text = cli.run("datasets", "show", uploaded["id"]).stdout
    assert "reaction times" in text and "12 rows x 3 columns" in text

    assert cli.json("datasets", "delete", uploaded["id"]) == {
        "dataset_id": uploaded["id"],
        "deleted": True,
    }
    assert cli.json("datasets", "list") == []


async def test_show_of_an_unknown_dataset_exits_1_naming_it(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)

    text = cli.fails("datasets", "show", "ds_nope").stderr
    assert text.startswith("Error: INVALID_DATASET: no dataset 'ds_nope'")
    assert "request_id=req_" in text

    error = cli.json_error("datasets", "delete", "ds_nope")
    assert error["code"] == "INVALID_DATASET"
    assert error["details"] == {"parameter": "dataset_id", "value": "ds_nope"}
    assert error["request_id"].startswith("req_")


async def test_upload_of_a_file_with_ragged_rows_is_refused_and_stores_nothing(
    stack: Stack, tmp_path: Path
):
    cli = await account_cli(stack, tmp_path)
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n")

    error = cli.json_error("datasets", "upload", "ragged.csv")

    assert error["code"] == "INVALID_PARAMETER"
    assert cli.json("datasets", "list") == []


async def test_upload_of_a_missing_file_is_a_usage_error(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)
    result = cli.fails("datasets", "upload", "nowhere.csv", code=2)
    assert "nowhere.csv" in result.stderr and "does not exist" in result.stderr
