"""`portal-visits seed FILE`: the demo company's visits from demo-data.json, written as the back office
would PUT them (through the same schema and service layer). The demo gives each visit as a range of
days relative to the day the seed runs and a wall-clock time in the property's branch's time zone;
each day's visit gets the id `demo:visit:<property>:<service>:<day>`, so a second run (even on
another day) replaces each with itself, moved to stay relative to today.

It needs identity's demo properties in visits's directory read model, so `make run` runs it after the
services are up and identity's seed has run; it waits for them to arrive.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any


from portal_shared.directory import wait_for_tenant
from portal_shared.logging import get_logger
from portal_visits.adapters.orm import properties
from portal_visits.domain.visits import branch_zone, wall_clock
from portal_visits.entrypoints.schemas import VisitUpsert
from portal_visits.service_layer import visits as service

log = get_logger(__name__)

WAIT_SECONDS = 90.0


def visit_id(visit: dict, day: int) -> str:
    service_key = re.sub(r"[^a-z0-9]+", "-", visit["service"].lower()).strip("-")
    return f"demo:visit:{visit['property']}:{service_key}:{day}"






def zones_by_property(demo: dict) -> dict[str, str]:
    zones = {b["slug"]: b["time_zone"] for b in demo["branches"]}
    return {p["key"]: zones.get(p["branch"], "UTC") for p in demo["properties"]}


def visit_documents(demo: dict, *, today: date) -> list[tuple[str, dict[str, Any]]]:
    """(external id, document) of every demo visit, one per day of each range."""
    zones = zones_by_property(demo)
    out = []
    for visit in demo["visits"]:
        zone = branch_zone(zones.get(visit["property"]))
        days = visit["days_from_seed"]
        for day in range(days["from"], days["to"] + 1):
            notes = [{"text": n["text"], "shown_in_portal": n["shown_in_portal"]}
                     for n in visit.get("notes", []) if n["day"] == day]
            out.append((visit_id(visit, day), {
                "property_external_id": visit["property"],
                "scheduled_for": wall_clock(day, visit["time"], zone, today=today).isoformat(),
                "status": visit["status"], "services": [visit["service"]], "notes": notes}))
    return out


def seed_demo(db, demo: dict, *, timeout: float = WAIT_SECONDS, today: date | None = None) -> None:
    keys = sorted({v["property"] for v in demo["visits"]})
    tenant_id = wait_for_tenant(db, properties, keys, service="visits", timeout=timeout)
    today = today or datetime.now(branch_zone(demo["branches"][0]["time_zone"])).date()
    documents = visit_documents(demo, today=today)
    with db.unit_of_work() as session:
        for external_id, doc in documents:
            service.upsert_visit(session, tenant_id=tenant_id, external_id=external_id, doc=VisitUpsert().load(doc))
    log.info("seed_visits_done", visits=len(documents))
