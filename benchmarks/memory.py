"""The whole stack's memory at rest: every process `make run` starts, summed.

    .venv/bin/python benchmarks/memory.py        # starts a stack of its own, waits for it to settle, measures
    .venv/bin/python benchmarks/memory.py --pid $(pgrep -f "portal-dev run")   # a running `make run`

PSS (proportional set size) counts a page shared by n processes as 1/n in each, so the sum is what the
stack really holds; RSS counts shared pages once per process and overstates it. Measured after the demo is
seeded and the stack has been idle for `--settle` seconds (its background loops still running).
"""
from __future__ import annotations

import argparse
import time

from harness import Row, bench_stack, memory_of, mib, print_rows, process_tree

TARGET = 1.5 * 2**30


def run(running, settle: float = 15) -> list[Row]:
    time.sleep(settle)
    rows, total_pss, total_rss, count = [], 0, 0, 0
    for name, proc in running.processes.items():
        tree = process_tree(proc.pid)
        pss, rss = memory_of(tree)
        total_pss, total_rss, count = total_pss + pss, total_rss + rss, count + len(tree)
        rows.append(Row(f"  {name}", f"{mib(pss)} PSS ({len(tree)} process{'es' if len(tree) > 1 else ''})"))
    rows.insert(0, Row("whole stack at rest", f"{mib(total_pss)} PSS in {count} processes (RSS {mib(total_rss)})",
                       "", f"< {mib(TARGET)}"))
    return rows


def of_launcher(pid: int) -> list[Row]:
    """`make run` as it runs: the launcher (`portal-dev run`, pid given) and everything under it."""
    tree = process_tree(pid)
    pss, rss = memory_of(tree)
    return [Row("`make run`, launcher included", f"{mib(pss)} PSS in {len(tree)} processes (RSS {mib(rss)})", "",
                f"< {mib(TARGET)}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settle", type=float, default=15)
    parser.add_argument("--pid", type=int, help="measure a running `make run`: the pid of its `portal-dev run`")
    args = parser.parse_args()
    if args.pid:
        print_rows("Memory at rest", of_launcher(args.pid))
        return
    with bench_stack() as running:
        print_rows("Memory at rest", run(running, args.settle))


if __name__ == "__main__":
    main()
