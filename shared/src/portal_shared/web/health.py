"""/healthz (the process is alive) and /readyz (its dependencies answer)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify

Check = Callable[[], None]


def run_checks(checks: dict[str, Check]) -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by name
            results[name] = f"unavailable: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    return all(v == "ok" for v in results.values()), results


def init_health(app: Flask, service: str, checks: dict[str, Check]) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify(service=service, status="alive")

    @app.get("/readyz")
    def readyz():
        ready, results = run_checks(checks)
        return jsonify(service=service, ready=ready, checks=results), 200 if ready else 503


def standard_checks(db, bus_settings) -> dict[str, Check]:
    """What "ready" means for a service that owns a database and talks to the broker."""
    from portal_shared.bus.connection import broker_reachable

    return {"database": db.ping, "broker": lambda: broker_reachable(bus_settings)}
