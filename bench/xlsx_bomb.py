"""What refusing an XLSX bomb costs a compute worker (issue 12).

Parses each workbook with ``parse_upload``, as a worker does, in a fresh
process so each one's peak memory is its own, and prints the upload's size,
the answer, the wall time and the peak resident memory:

- ``bomb-10M``: 10,000,000 one-cell rows, 260 MB of sheet XML in about
  1.5 MB (refused from the ZIP directory: size);
- ``bomb-1M``: 1,000,000 rows, 26 MB of XML (refused: compression ratio);
- ``row-jump``: a cell in row 1 and one in row 2,000,000 (refused while
  streaming: rows);
- ``column-xfd``: 2,000 rows, each one cell in column XFD that openpyxl pads
  to 16,384 (refused while streaming: cells);
- ``ordinary``: 20,000 rows that are simply read, for scale.

Before the limits, on the 2-core development machine under load: the 1.1M
row bomb was accepted after 181 s (+248 MB), the row jump after 25 s
(439 MB peak), the column-XFD workbook after 349 s (903 MB peak); the
10M-row bomb cost 118 s and +1.8 GB in the probe that found it.

    .venv/bin/python bench/xlsx_bomb.py
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from neurogate.server.datasets.parsing import parse_upload
from neurogate.server.errors import NeuroGateError
from workbooks import workbook_with_sheet, xlsx_bomb

CASES = {
    "bomb-10M": lambda: xlsx_bomb(10_000_000),
    "bomb-1M": lambda: xlsx_bomb(1_000_000),
    "row-jump": lambda: workbook_with_sheet(
        [
            b'<row r="1"><c r="A1"><v>1</v></c></row>'
            b'<row r="2000000"><c r="A2000000"><v>2</v></c></row>'
        ]
    ),
    "column-xfd": lambda: workbook_with_sheet(
        f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>'.encode() for n in range(1, 2001)
    ),
    "ordinary": lambda: xlsx_bomb(20_000),
}


def measure(name: str) -> str:
    data = CASES[name]()
    started = time.perf_counter()
    try:
        answer = f"read {parse_upload(data, filename='b.xlsx').rows} rows"
    except NeuroGateError as error:
        answer = f"{error.code}: {error.message[:60]}"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return f"{name:<11} {len(data) / 1e6:6.2f} MB  {seconds:6.2f} s  {peak:5d} MB peak  {answer}"


def main() -> None:
    context = multiprocessing.get_context("spawn")
    for name in CASES:
        with context.Pool(1) as pool:
            print(pool.apply(measure, (name,)), flush=True)


if __name__ == "__main__":
    main()
