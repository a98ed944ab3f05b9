"""What every benchmark shares: a stack of its own, wrk, signing in, process memory, and the table it prints.

Each figure is printed beside its ceiling measured in the same run (or the issue's target when the
ceiling is a number, not a measurement), so a slow or busy machine shows in both columns at once.
Nothing here asserts: `docs/performance.md` records the figures with the machine they ran on.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOGS = ROOT / "test-artifacts" / "bench-logs"
WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
# The bench stack's own ports (+30000), databases and bus namespace: it runs beside `make run`.
PORT_OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "30000"))

CUSTOMER = ("camilla@example.com", "demo-customer-pass")
STAFF = ("admin@example.com", "demo-admin-pass")


@dataclass(frozen=True)
class Row:
    """One printed line: what was measured, the figure, and what to read it against."""
    name: str
    figure: str
    ceiling: str = ""
    target: str = ""


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n## {title}\n", flush=True)
    print(f"| what | figure | ceiling (same run) | target |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row.name} | {row.figure} | {row.ceiling} | {row.target} |", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


# -- wrk --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Load:
    connections: int
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    failures: int  # socket errors and answers of 400 or more

    def __str__(self) -> str:
        failed = f", {self.failures} failed" if self.failures else ""
        return (f"{self.requests_per_s:,.0f} req/s at {self.connections} conn (p50 {self.p50_ms:.1f} ms, "
                f"p95 {self.p95_ms:.1f} ms{failed})")


def wrk(url: str, *, connections: int, seconds: float = 8, headers: dict[str, str] | None = None,
        warmup: float = 2) -> Load:
    """`wrk` on one thread (the server, not the client, should have the machine), after a short warm-up."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make bench` (it installs Debian's wrk) or scripts/ensure-bench-tools.sh")
    args = ["wrk", "-t1", f"-c{connections}", "--timeout", "10s", "-s", str(WRK_SCRIPT)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if warmup:
        subprocess.run([*args, f"-d{warmup}s", url], capture_output=True, check=True)
    out = subprocess.run([*args, f"-d{seconds}s", url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    return Load(connections=connections, requests_per_s=data["requests"] / (data["duration_us"] / 1e6),
                p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000, p99_ms=data["p99_us"] / 1000,
                failures=data["socket_errors"] + data["non2xx"])


# -- a stack of the bench's own ---------------------------------------------------------------------

@contextmanager
def bench_stack() -> Iterator["RunningStack"]:  # noqa: F821 - portal_devstack's, imported late
    """The whole portal as `make run` starts it (every process, the demo seeded), on ports +30000."""
    from portal_devstack.running import started_stack
    from portal_devstack.stack import Stack
    from portal_testkit.testing import drop_bus_namespace

    suffix = uuid.uuid4().hex[:8]
    stack = Stack(port_offset=PORT_OFFSET, namespace=f"bench-{suffix}", database_prefix=f"portalbench_{suffix}",
                  run_dir=ROOT / "test-artifacts" / "bench-run",
                  mail_capacity=30_000)  # the sink must hold every email of a run (invitations.py: 15,000)
    print(f"starting a stack of the bench's own on :{stack.gateway_port} (databases portalbench_{suffix}_*)…",
          flush=True)
    with started_stack(stack, LOGS, drop_bus_namespace=drop_bus_namespace) as running:
        yield running


def sign_in(gateway: str, host: str, email: str, password: str, path: str = "/login") -> requests.Session:
    """A client signed in through the form, as a browser does (CSRF cookie and token)."""
    client = requests.Session()
    client.headers["Host"] = host
    form = client.get(f"{gateway}{path}", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post(f"{gateway}{path}", data={"csrf_token": token, "email": email, "password": password},
                         allow_redirects=False, timeout=30)
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in as {email} answered {answer.status_code}")
    return client


def cookie_header(client: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies)


# -- memory -----------------------------------------------------------------------------------------

def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pids


def memory_of(pids: list[int]) -> tuple[int, int]:
    """(proportional set size, resident set size) in bytes, summed over the processes."""
    pss = rss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        pss += int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1)) * 1024
        rss += int(re.search(r"^Rss:\s+(\d+) kB", text, re.M).group(1)) * 1024
    return pss, rss


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


# -- CPU per request ------------------------------------------------------------------------------------
# Throughput on a shared machine moves with whatever else runs; the CPU time each process spends per request
# does not (much). Capacity on two idle cores is about 2 s / (CPU seconds per request, all processes summed).

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK   # utime + stime, every thread of the process


def stack_cpu_groups(running) -> dict[str, list[int]]:
    """The stack's processes by name, plus the PostgreSQL backends serving its databases, and Redis."""
    groups = {name: process_tree(proc.pid) for name, proc in running.processes.items()}
    try:
        import psycopg
        with psycopg.connect(running.stack.postgres_url.replace("+psycopg", "") + "/postgres") as conn:
            groups["postgresql backends"] = [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname LIKE %s", (running.stack.database_prefix + "%",))]
    except Exception:  # noqa: BLE001 - a breakdown without PostgreSQL is still worth printing
        pass
    redis = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout.split()
    groups["redis-server (shared)"] = [int(p) for p in redis]
    return groups


def cpu_breakdown(groups: dict[str, list[int]], measure) -> tuple[object, dict[str, float]]:
    """Runs `measure()` (which returns a Load) and the CPU seconds each group spent meanwhile."""
    before = {name: sum(cpu_seconds(p) for p in pids) for name, pids in groups.items()}
    load = measure()
    spent = {name: sum(cpu_seconds(p) for p in pids) - before[name] for name, pids in groups.items()}
    return load, spent


def per_request_row(name: str, load: Load, seconds: float, spent: dict[str, float], top: int = 6) -> Row:
    requests_done = max(1, round(load.requests_per_s * seconds))
    per = {k: v * 1000 / requests_done for k, v in spent.items() if v > 0}
    total = sum(per.values())
    parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:top])
    return Row(f"{name}: CPU per request", f"{total:.1f} ms in all ({parts} …)",
               f"two idle cores allow ≈ {2000 / total:,.0f} req/s" if total else "")
