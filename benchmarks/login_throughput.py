"""Login throughput: how many argon2id verifications a core can do, per parameter set.

    .venv/bin/python benchmarks/login_throughput.py            # argon2 parameter sets, one core
    .venv/bin/python benchmarks/login_throughput.py --http URL --email E --password P --host demo.localhost:8080
                                                               # real sign-ins through a running gateway

A sign-in costs one verification, so per-core sign-ins/s ≈ 1 / verify time. We want the
strongest OWASP-listed argon2id setting that still leaves each identity process (2 gunicorn
workers × 4 threads on 2 cores) comfortably above peak demand (see docs/adr/0008).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import argon2

# OWASP Password Storage Cheat Sheet's equivalent argon2id settings (memory KiB, iterations).
CANDIDATES = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5), (65536, 3)]


def measure(memory_kib: int, time_cost: int, rounds: int) -> tuple[float, float]:
    hasher = argon2.PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=argon2.Type.ID)
    stored = hasher.hash("correct horse battery staple")
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        hasher.verify(stored, "correct horse battery staple")
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)


def argon2_table(rounds: int) -> None:
    print(f"argon2id verify, one core, median of {rounds}")
    print(f"{'memory':>10} {'t':>3} {'median ms':>10} {'max ms':>8} {'sign-ins/s/core':>16}")
    for memory, time_cost in CANDIDATES:
        median, worst = measure(memory, time_cost, rounds)
        print(f"{memory // 1024:>7} MiB {time_cost:>3} {median * 1000:>10.1f} {worst * 1000:>8.1f} {1 / median:>16.1f}")


def http_load(url: str, host: str, email: str, password: str, requests_total: int, concurrency: int) -> None:
    import re

    import requests

    def sign_in(_):
        # As a browser does it: fetch the form (CSRF cookie and token), then post it.
        client = requests.Session()
        client.headers["Host"] = host
        form = client.get(f"{url}/login", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        started = time.perf_counter()
        response = client.post(f"{url}/login", data={"csrf_token": token, "email": email, "password": password},
                               allow_redirects=False, timeout=30)
        return time.perf_counter() - started, response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(sign_in, range(requests_total)))
    elapsed = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    print(f"{requests_total} sign-in posts, concurrency {concurrency}: {requests_total / elapsed:.1f}/s, "
          f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p95 {latencies[int(len(latencies) * .95)] * 1000:.0f} ms, "
          f"statuses {sorted({r[1] for r in results})}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--http")
    parser.add_argument("--host", default="demo.localhost:8080")
    parser.add_argument("--email", default="camilla@example.com")
    parser.add_argument("--password", default="demo-customer-pass")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    if args.http:
        http_load(args.http, args.host, args.email, args.password, args.requests, args.concurrency)
    else:
        argon2_table(args.rounds)


if __name__ == "__main__":
    main()
