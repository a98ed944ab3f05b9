"""Pages and the edge under load: every figure beside the ceiling of this stack, measured in the same run.

    .venv/bin/python benchmarks/web.py            # starts a stack of its own (+30000), then measures

Ceiling: a bare Flask "hello" under gunicorn (gthread, 2 workers × 4 threads) on the same machine.
Gateway overhead: one light, anonymous answer (a small static file of portal-web, for which the gateway
skips the session lookup) called directly and through the gateway. Then, signed in as the demo customer
through the form: billing's /summary through the gateway, Home, and every list page. wrk on one thread,
on loopback; 8 s per figure after a 2 s warm-up.
"""
from __future__ import annotations

import subprocess
import sys

import requests

from harness import (BIN, CUSTOMER, ROOT, Load, Row, bench_stack, cookie_header, cpu_breakdown, free_port,
                     per_request_row, print_rows, sign_in, stack_cpu_groups, wait_for, wrk)

SECONDS = 8

LIGHT_PATH = "/static/img/favicon.svg"
LIST_PAGES = [("invoice list", "/invoices"), ("proposal list", "/proposals"), ("request list", "/requests"),
              ("visit list", "/visits")]


def hello_ceiling() -> tuple[Load, Load]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4", "-b",
                             f"127.0.0.1:{port}", "--chdir", str(ROOT / "benchmarks"), "hello_app:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        url = f"http://127.0.0.1:{port}/"
        return wrk(url, connections=32), wrk(url, connections=1)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def checked(url: str, headers: dict[str, str], marker: str | None = None) -> None:
    """The page answers 200 (and shows what it should) before wrk hammers it: a fast 302 proves nothing."""
    answer = requests.get(url, headers=headers, allow_redirects=False, timeout=30)
    if answer.status_code != 200 or (marker and marker not in answer.text):
        raise RuntimeError(f"{url} answered {answer.status_code} without {marker!r}: {answer.text[:300]}")


def run(running) -> list[Row]:
    hello32, hello1 = hello_ceiling()
    rows = [Row("bare Flask hello (gunicorn gthread 2×4)", f"{hello32}; p50 {hello1.p50_ms:.1f} ms at 1 conn",
                "— (the ceiling)")]
    gateway = running.gateway
    host = running.host("demo")
    direct = f"http://127.0.0.1:{running.stack.port(8108)}{LIGHT_PATH}"
    checked(direct, {})
    checked(gateway + LIGHT_PATH, {"Host": host})
    groups = stack_cpu_groups(running)
    cpu_rows = []

    def load32(name: str, url: str, headers: dict[str, str]) -> Load:
        """wrk at 32 connections, and the CPU each process spent per request meanwhile."""
        load, spent = cpu_breakdown(groups, lambda: wrk(url, connections=32, seconds=SECONDS, headers=headers))
        cpu_rows.append(per_request_row(name, load, SECONDS, spent))
        return load

    d32, d1 = load32("light answer, direct", direct, {}), wrk(direct, connections=1)
    g32, g1 = load32("light answer, through the gateway", gateway + LIGHT_PATH, {"Host": host}), \
        wrk(gateway + LIGHT_PATH, connections=1, headers={"Host": host})
    rows += [
        Row("light answer, direct", f"{d32}; p50 {d1.p50_ms:.2f} ms at 1 conn", f"hello {hello32.requests_per_s:,.0f} req/s"),
        Row("light answer, through the gateway",
            f"{g32}; p50 {g1.p50_ms:.2f} ms at 1 conn: adds {g1.p50_ms - d1.p50_ms:.2f} ms, "
            f"{g32.requests_per_s / d32.requests_per_s:.2f}× direct",
            f"direct {d32.requests_per_s:,.0f} req/s, p50 {d1.p50_ms:.2f} ms", "adds ≤ 1 ms p50; ≥ 0.6× direct"),
    ]
    client = sign_in(gateway, host, *CUSTOMER)
    headers = {"Host": host, "Cookie": cookie_header(client)}
    checked(gateway + "/api/billing/summary", headers, "balance")
    summary = load32("billing /summary", gateway + "/api/billing/summary", headers)
    rows.append(Row("billing /summary through the gateway, signed in", str(summary),
                    f"hello {hello32.requests_per_s:,.0f} req/s"))
    checked(gateway + "/", headers, "dashboard__title")
    home32, home1 = load32("Home", gateway + "/", headers), wrk(gateway + "/", connections=1, headers=headers)
    rows.append(Row("Home, signed in", f"{home32}; p50 {home1.p50_ms:.1f} ms at 1 conn",
                    f"hello {hello32.requests_per_s:,.0f} req/s ({home32.requests_per_s / hello32.requests_per_s:.0%})",
                    "≥ 300 req/s at 32 conn, p95 < 100 ms; p50 < 10 ms at 1 conn"))
    for name, path in LIST_PAGES:
        checked(gateway + path, headers)
        load = load32(name, gateway + path, headers)
        rows.append(Row(f"{name} page ({path}), signed in", str(load),
                        f"hello {hello32.requests_per_s:,.0f} req/s", "≥ 200 req/s"))
    return rows + cpu_rows


def main() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    with bench_stack() as running:
        print_rows("Pages and the edge", run(running))


if __name__ == "__main__":
    main()
