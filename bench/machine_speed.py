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

It then runs the same loop in one process per core at once, and prints how many cores' worth of
work they did together: the loop alone (the mean of a run before and one after) against each
loop's time beside the others. On the project's VM, in seven such trials, two loops at once each
took 0.9 to 1.8 times as long as one alone: its 2 cores did 1.1 to 2.2 cores' work (1.4 in the
middle) when both were busy, as they are for most of the test suite.

`bash scripts/test.sh` prints both before and after the tests, so a run's time can be read
against the speed it ran at. Run: python bench/machine_speed.py [--repeat N] [--cores N]
"""

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

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


def loops_at_once(cores, n=LOOP):
    """The CPU seconds of each of ``cores`` loops run at the same time, one process each."""
    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(loop_seconds, [1000] * cores))  # every process started before the timing
        return list(pool.map(loop_seconds, [n] * cores))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="time the loop N times (default 1)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser.add_argument("--cores", type=int, default=cores,
                        help="loops to run at once after the loop alone (default: the number of "
                             "cores; 1 runs the loop alone only)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    if args.cores < 1:
        parser.error(f"--cores must be at least 1, got {args.cores}")
    for _ in range(args.repeat):
        seconds = loop_seconds()
        print(f"machine speed: {seconds:.2f} CPU-s for {LOOP:,} additions in Python, "
              f"{seconds / REFERENCE_SECONDS:.2f}x the {REFERENCE_SECONDS:.1f} s of the machine the "
              "time budgets refer to (above 1: slower)", flush=True)
        if args.cores > 1:
            each = loops_at_once(args.cores)
            alone = (seconds + loop_seconds()) / 2  # before and after: the speed drifts meanwhile
            mean = sum(each) / len(each)
            print(f"  {args.cores} loops at once, one process each: {mean:.2f} CPU-s each, against "
                  f"{alone:.2f} alone (before and after), the work of {args.cores * alone / mean:.1f} "
                  f"cores ({args.cores}.0 where cores do not slow each other)", flush=True)


if __name__ == "__main__":
    main()
