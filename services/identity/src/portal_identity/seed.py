"""Demo people from demo-data.json: staff, properties, contacts and their roles.

Runs once portal-config's branches have reached identity's read model (it waits for them), so
`make run` calls it after the services are up. Idempotent: what exists is left as it is.
"""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from portal_identity.adapters.orm import Branch, Contact, Property, StaffUser
from portal_identity.bootstrap import Bootstrap
from portal_identity.domain.rules import normalise_email
from portal_identity.service_layer import directory
from portal_shared.logging import get_logger

log = get_logger(__name__)


def _wait_for_branches(wiring: Bootstrap, slugs: list[str], timeout: float = 90.0) -> dict[str, Branch]:
    deadline = time.monotonic() + timeout
    while True:
        with wiring.db.unit_of_work() as session:
            branches = {b.slug: b for b in session.scalars(sa.select(Branch).where(Branch.slug.in_(slugs)))}
        if len(branches) == len(slugs):
            return branches
        if time.monotonic() > deadline:
            raise SystemExit(f"identity seed: branches {sorted(set(slugs) - set(branches))} never reached identity's "
                             "read model; is the identity worker running?")
        time.sleep(0.5)


def seed_demo(wiring: Bootstrap, path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        demo = json.load(fh)
    branches = _wait_for_branches(wiring, [b["slug"] for b in demo["branches"]])
    tenant_id = next(iter(branches.values())).tenant_id
    with wiring.db.unit_of_work() as session:
        for person in demo["staff"]:
            _seed_staff(session, wiring, tenant_id, branches, person)
        session.flush()
        for prop in demo["properties"]:
            if not session.scalar(sa.select(Property.id).where(Property.tenant_id == tenant_id,
                                                               Property.external_id == prop["key"])):
                directory.upsert_property(
                    session, tenant_id=tenant_id, external_id=prop["key"], branch_slug=prop["branch"],
                    name=prop["name"], street=prop.get("street"), city=prop.get("city"), state=prop.get("state"),
                    zip=prop.get("zip"), account_owner_email=prop.get("account_owner"),
                    operations_manager_email=prop.get("operations_manager"), sales_rep_email=prop.get("sales_rep"))
        changed_properties: set[str] = set()
        for person in demo["contacts"]:
            if _seed_contact(session, wiring, tenant_id, person):
                changed_properties |= set(person["roles"])
        for key in sorted(changed_properties):
            access = [{"contact_external_id": f"demo:{normalise_email(c['email'])}", "roles": c["roles"][key]}
                      for c in demo["contacts"] if key in c["roles"]]
            directory.set_property_access(session, tenant_id=tenant_id, property_external_id=key, access=access)
    log.info("seed_identity_done", staff=len(demo["staff"]), contacts=len(demo["contacts"]))


def _seed_staff(session, wiring: Bootstrap, tenant_id: str, branches: dict[str, Branch], person: dict) -> None:
    email = normalise_email(person["email"])
    if session.scalar(sa.select(StaffUser.id).where(StaffUser.tenant_id == tenant_id, StaffUser.email == email)):
        return
    staff = StaffUser(tenant_id=tenant_id, email=email, first_name=person["first_name"],
                      last_name=person["last_name"], role=person["role"], title=person.get("title"),
                      phone=person.get("phone"), password_hash=wiring.passwords.hash(person["password"]),
                      branch_ids=[branches[slug].id for slug in person["branches"]], active=True)
    session.add(staff)
    session.flush()
    directory.publish_staff(session, staff)


def _seed_contact(session, wiring: Bootstrap, tenant_id: str, person: dict) -> bool:
    """Create the contact if missing; True when created (its properties' access is then set)."""
    email = normalise_email(person["email"])
    if session.scalar(sa.select(Contact.id).where(Contact.tenant_id == tenant_id, Contact.email == email)):
        return False
    contact, _ = directory.upsert_contact(session, tenant_id=tenant_id, external_id=f"demo:{email}", email=email,
                                          first_name=person["first_name"], last_name=person["last_name"])
    if person.get("verified"):
        contact.password_hash = wiring.passwords.hash(person["password"])
        contact.verified_at = datetime.now(UTC)
        contact.revision += 1
        directory.publish_contact(session, contact)
    return True
