"""How fast this machine runs Python now, against the machine the project's time budgets refer to.

The budgets (the test suite's pytest within 8 minutes on 2 cores, 4 without the fresh-install
tests and Lighthouse; a cold `mkdocs build --strict` within 60 s) were set on the project's 2-core
Linux VM. That VM's speed moves over a day (the loop below took from 1.6 to 3.4 s on it), and
the suite's CPU time moves with it: the same tests took 345 CPU-s at one moment and 448 at
another. So a time means little without the speed it was measured at. This script times one
fixed single-threaded loop (20 million integer additions, in CPU seconds of this process) and
prints it with its ratio to REFERENCE_SECONDS, the loop's time on the project's VM when the
budgets hold: a ratio above 1 means that this machine, at this moment, runs Python more slowly,
and the suite will take about that much longer.

`bash scripts/test.sh` prints it before and after the tests, so a run's time can be read
against the speed it ran at. Run: python bench/machine_speed.py [--repeat N]
"""

import argparse
import time

LOOP = 20_000_000
REFERENCE_SECONDS = 2.0  # the project's 2-core VM; it ran the loop in 1.6 to 3.4 s (2026-12-01/02)
# At module level, as a script's top-level loop runs: its names are globals (dictionary look-ups).
# The closing notes of issue 8 quote this exact loop, so their times stay comparable.
PROBE = """
total = 0
for i in range(n):
    total += i
"""


def loop_seconds(n=LOOP):
    """CPU seconds this process spends adding the integers below n in a top-level Python loop."""
    namespace = {"n": n}
    start = time.process_time()
    exec(PROBE, namespace)
    seconds = time.process_time() - start
    assert namespace["total"] == n * (n - 1) // 2  # the loop did its work
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="time the loop N times (default 1)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    for _ in range(args.repeat):
        seconds = loop_seconds()
        print(f"machine speed: {seconds:.2f} CPU-s for {LOOP:,} additions in Python, "
              f"{seconds / REFERENCE_SECONDS:.2f}x the {REFERENCE_SECONDS:.1f} s of the machine the "
              "time budgets refer to (above 1: slower)", flush=True)


if __name__ == "__main__":
    main()
