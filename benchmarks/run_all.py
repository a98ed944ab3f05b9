"""`make bench`: every figure of docs/performance.md, each beside its ceiling measured in the same run.

    .venv/bin/python benchmarks/run_all.py                    # everything (about 15 minutes)
    .venv/bin/python benchmarks/run_all.py --only web memory  # some sections

One stack of the bench's own (ports +30000, its own databases and bus namespace, the demo seeded) serves the
sections that need the whole system, in an order that keeps them apart: memory first (at rest), then
sign-ins, pages, and the mail-heavy sections last. The bus, payments and the invoice list start only what
they measure, in throwaway databases. Prints figures; asserts nothing. Run it on a quiet machine: every
other process competes for the same two cores.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row, bench_stack, print_rows  # noqa: E402

STACK_SECTIONS = ["memory", "sign-ins", "web", "invitations", "event-to-email"]
ALONE_SECTIONS = ["bus", "payments", "invoice-list"]


def machine() -> list[Row]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))

    def version(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    return [Row("CPU", f"{os.cpu_count()} × {cpu}"), Row("memory", f"{int(memory) / 2**20:.1f} GiB"),
            Row("load average at the start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
            Row("Python", platform.python_version()), Row("PostgreSQL", version("psql", "--version")),
            Row("wrk", version("wrk", "--version") or "wrk"),
            Row("date", time.strftime("%Y-%m-%d %H:%M %Z"))]


def stack_section(name: str, running) -> list[Row]:
    if name == "memory":
        import memory
        return memory.run(running)
    if name == "sign-ins":
        import sign_ins
        return sign_ins.run(running)
    if name == "web":
        import web
        return web.run(running)
    if name == "invitations":
        import invitations
        return invitations.run(running)
    if name == "event-to-email":
        import event_to_email
        return event_to_email.run(running)
    raise ValueError(name)


def alone_section(name: str) -> list[Row]:
    if name == "bus":
        import bus
        return bus.run()
    if name == "payments":
        import billing
        return billing.payments()
    if name == "invoice-list":
        import billing
        return billing.invoice_list()
    raise ValueError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=STACK_SECTIONS + ALONE_SECTIONS)
    args = parser.parse_args()
    chosen = args.only or STACK_SECTIONS + ALONE_SECTIONS
    results: list[tuple[str, list[Row]]] = [("The machine", machine())]
    print_rows(*results[0])
    wanted_with_stack = [s for s in STACK_SECTIONS if s in chosen]
    if wanted_with_stack:
        with bench_stack() as running:
            for name in wanted_with_stack:
                print(f"\n… {name}", flush=True)
                results.append((name, stack_section(name, running)))
                print_rows(*results[-1])
    for name in [s for s in ALONE_SECTIONS if s in chosen]:
        print(f"\n… {name}", flush=True)
        results.append((name, alone_section(name)))
        print_rows(*results[-1])
    print("\n\n# All figures of this run\n")
    for title, rows in results:
        print_rows(title, rows)


if __name__ == "__main__":
    main()
