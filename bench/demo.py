"""Demo bureau build time: the part of `make run`'s first start that is computation.

    python bench/demo.py

Data: the demo's in-repo points file (zhian/demo/data/toronto_mci_points.csv.gz, all
209,436 Toronto offences 2014-2020 as counts per point). Builds the bureau (12 stations,
140 sectors, 516 grids) five times and prints the median.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zhian.demo.bureau import build_demo_bureau  # noqa: E402
from zhian.demo.toronto import POINTS_PATH  # noqa: E402

RUNS = 5


def main() -> None:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fc = build_demo_bureau(POINTS_PATH)
        times.append(time.perf_counter() - t0)
    print(f"demo bureau: {len(fc['features'])} jurisdictions from {POINTS_PATH.name}")
    print("runs (s): " + ", ".join(f"{t:.2f}" for t in times))
    print(f"bench: demo_build = {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
