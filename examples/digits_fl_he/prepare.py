"""Write this MMAR's data into `data/`: the same data as `examples/digits_cnn`.

The federated examples train on exactly the data of the single-site one (the simulator
splits it between the sites), so it runs that example's `prepare.py` with this folder's
`data/` as the output. Arguments are passed on (`--out DIR` to write elsewhere).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "digits_cnn" / "prepare.py"

if __name__ == "__main__":
    if "--out" not in sys.argv:
        sys.argv += ["--out", str(HERE / "data")]
    runpy.run_path(str(SOURCE), run_name="__main__")
