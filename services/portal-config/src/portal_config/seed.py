"""Demo data: the company and its branches from demo-data.json. Idempotent: a rerun changes nothing."""
from __future__ import annotations

import json

import sqlalchemy as sa

from portal_config.adapters.orm import Branch, Company
from portal_config.bootstrap import Bootstrap
from portal_config.service_layer import branches as uc
from portal_shared.logging import get_logger

log = get_logger(__name__)


def seed_demo(wiring: Bootstrap, path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        demo = json.load(fh)
    with wiring.db.unit_of_work() as session:
        company = session.scalar(sa.select(Company).where(Company.name == demo["company"]["name"]))
        if company is None:
            company = uc.create_company(session, name=demo["company"]["name"],
                                        contact_email=demo["company"].get("contact_email"))
            log.info("seed_company_created", company=company.name)
        for branch in demo["branches"]:
            if session.scalar(sa.select(Branch.id).where(Branch.slug == branch["slug"])):
                continue
            uc.create_branch(session, company_id=company.id, slug=branch["slug"], name=branch["name"],
                             time_zone=branch["time_zone"], enabled=demo.get("portal_settings", {})
                             .get(branch["slug"], {}).get("enabled", True), address=wiring.address)
            log.info("seed_branch_created", slug=branch["slug"])
