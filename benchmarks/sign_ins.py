"""Sign-ins per second through the whole stack, beside what argon2id alone allows on this machine.

    .venv/bin/python benchmarks/sign_ins.py          # starts a stack of its own

A sign-in is the customer's form posted through the gateway to portal-web, which asks identity to verify
the password (argon2id with ADR 0008's parameters: 19 MiB, t=2) and to open a session in Redis. Each client
fetches the form first (its CSRF cookie and token), untimed; then every client posts at once. The ceiling is
the same argon2id verification run on every core in this process, with nothing else around it.
"""
from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import argon2
import requests

from harness import CUSTOMER, Row, bench_stack, print_rows

MEMORY_KIB, TIME_COST = 19456, 2   # docs/adr/0008-argon2-parameters.md; identity's defaults


def argon2_ceiling(seconds: float = 5) -> float:
    hasher = argon2.PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=1, type=argon2.Type.ID)
    stored = hasher.hash(CUSTOMER[1])
    cores = os.cpu_count() or 1

    def verify_for(deadline: float) -> int:
        done = 0
        while time.monotonic() < deadline:
            hasher.verify(stored, CUSTOMER[1])   # argon2-cffi releases the GIL: threads use every core
            done += 1
        return done

    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(cores) as pool:
        total = sum(pool.map(verify_for, [deadline] * cores))
    return total / seconds


def run(running, total: int = 80, concurrency: int = 8) -> list[Row]:
    host = running.host("demo")

    def ready_client(_):
        client = requests.Session()
        client.headers["Host"] = host
        form = client.get(f"{running.gateway}/login", timeout=30).text
        return client, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)

    def post(prepared):
        client, token = prepared
        started = time.perf_counter()
        answer = client.post(f"{running.gateway}/login", allow_redirects=False, timeout=60,
                             data={"csrf_token": token, "email": CUSTOMER[0], "password": CUSTOMER[1]})
        return time.perf_counter() - started, answer.status_code

    with ThreadPoolExecutor(concurrency) as pool:
        prepared = list(pool.map(ready_client, range(total)))
        started = time.perf_counter()
        results = list(pool.map(post, prepared))
        elapsed = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    ok = sum(1 for r in results if r[1] == 302)
    ceiling = argon2_ceiling()
    return [Row(f"sign-ins through the gateway ({concurrency} at a time)",
                f"{ok / elapsed:.1f}/s (p50 {latencies[len(latencies) // 2] * 1000:.0f} ms; {ok} of {total} signed in)",
                f"argon2id alone on {os.cpu_count()} cores: {ceiling:.1f} verifications/s", "≥ 20/s")]


def main() -> None:
    with bench_stack() as running:
        print_rows("Sign-ins", run(running))


if __name__ == "__main__":
    main()
