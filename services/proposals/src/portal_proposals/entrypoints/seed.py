"""`portal-proposals seed FILE`: the demo company's proposals from demo-data.json, written as the back
office would PUT them (through the same schema and service layer), by the ids `demo:proposal:<number>`.
Start dates given as `start_days_from_seed` are counted from the day the seed runs, so the demo's
open proposals stay open. Idempotent: a second run sends the same documents (no new version).

It needs identity's demo properties in proposals' directory read model, so `make run` runs it after
the services are up and identity's seed has run; it waits for them to arrive.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal_proposals.adapters.orm import properties
from portal_proposals.entrypoints.schemas import ProposalUpsert
from portal_proposals.service_layer import proposals as service
from portal_shared.directory import wait_for_tenant
from portal_shared.logging import get_logger

log = get_logger(__name__)

WAIT_SECONDS = 90.0


def proposal_id(number) -> str:
    return f"demo:proposal:{number}"


def _sales_rep(demo: dict, property_key: str) -> dict[str, Any] | None:
    """The property's sales rep (a demo staff user) as the back office names the opportunity's."""
    email = next((p.get("sales_rep") for p in demo["properties"] if p["key"] == property_key), None)
    staff = next((s for s in demo["staff"] if s["email"] == email), None)
    if staff is None:
        return None
    return {"name": f"{staff['first_name']} {staff['last_name']}", "title": staff.get("title"),
            "email": staff["email"], "phone": staff.get("phone")}


def proposal_document(demo: dict, proposal: dict) -> dict[str, Any]:
    """A demo proposal as the back office would PUT it."""
    start = proposal.get("start")
    if start is None and "start_days_from_seed" in proposal:
        start = (service.today() + timedelta(days=proposal["start_days_from_seed"])).isoformat()
    return {
        "number": str(proposal["number"]), "name": proposal["name"], "property_external_id": proposal["property"],
        "type": proposal["type"], "status": proposal["status"], "sent": True, "sent_date": proposal["sent"],
        "start_date": start, "price": proposal["price"],
        "services": [{"name": s["name"], "visits": s.get("visits"), "amount": s["amount"]}
                     for s in proposal["services"]],
        "optional_services": [{"name": s["name"], "visits": s.get("visits"), "amount": s["amount"]}
                              for s in proposal.get("optional_services", [])],
        "sales_rep": _sales_rep(demo, proposal["property"]),
        "invoices": [{"external_id": f"demo:invoice:{i['number']}", "number": str(i["number"])}
                     for i in demo.get("invoices", []) if proposal["number"] in i.get("opportunities", [])],
    }




def seed_demo(db, demo: dict, *, timeout: float = WAIT_SECONDS) -> None:
    tenant_id = wait_for_tenant(db, properties, sorted({p["property"] for p in demo["proposals"]}), service="proposals",
                                timeout=timeout)
    with db.unit_of_work() as session:
        for proposal in demo["proposals"]:
            service.upsert_proposal(session, tenant_id=tenant_id, external_id=proposal_id(proposal["number"]),
                                    doc=ProposalUpsert().load(proposal_document(demo, proposal)))
    log.info("seed_proposals_done", proposals=len(demo["proposals"]))
