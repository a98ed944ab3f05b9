"""Demo data: the company, its branches and their portal settings from demo-data.json.

Each branch's `portal_settings` are merged over the defaults and saved like a save from the
configuration screen (by nobody: changed_by null). Carousel slides get generated banners (a
gradient with the caption drawn on it) uploaded through the same image pipeline and storage.
Idempotent: a rerun draws the same banners (same bytes, same assets) and finds nothing to
change, so it writes no new version and no event.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from portal_config.adapters import images
from portal_config.adapters.orm import Branch, Company
from portal_config.bootstrap import Bootstrap
from portal_config.domain.assets import CAROUSEL
from portal_config.domain.settings import SETTINGS_FIELDS, default_settings
from portal_config.service_layer import assets as asset_uc
from portal_config.service_layer import branches as uc
from portal_config.service_layer.portals import open_branch
from portal_config.service_layer import settings as settings_uc
from portal_shared.logging import get_logger

log = get_logger(__name__)


def seed_demo(wiring: Bootstrap, path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        demo = json.load(fh)
    portal_settings = demo.get("portal_settings", {})
    with wiring.db.unit_of_work() as session:
        company = session.scalar(sa.select(Company).where(Company.name == demo["company"]["name"]))
        if company is None:
            company = uc.create_company(session, name=demo["company"]["name"],
                                        contact_email=demo["company"].get("contact_email"))
            log.info("seed_company_created", company=company.name)
        for entry in demo["branches"]:
            branch = session.scalar(sa.select(Branch).where(Branch.slug == entry["slug"]))
            if branch is None:
                branch = open_branch(session, company_id=company.id, slug=entry["slug"], name=entry["name"],
                                     time_zone=entry["time_zone"],
                                     enabled=portal_settings.get(entry["slug"], {}).get("enabled", True),
                                     address=wiring.address)
                log.info("seed_branch_created", slug=entry["slug"])
            if entry["slug"] in portal_settings:
                _seed_settings(session, wiring, branch, company.name, portal_settings[entry["slug"]])


def _seed_settings(session, wiring: Bootstrap, branch: Branch, company_name: str, wanted: dict[str, Any]) -> None:
    form: dict[str, Any] = {**default_settings(company_name),
                            **{k: v for k, v in wanted.items() if k in SETTINGS_FIELDS and k != "carousel"}}
    if "enabled" in wanted:
        form["enabled"] = wanted["enabled"]
    form["carousel"] = [_slide(session, wiring, branch, index, slide)
                        for index, slide in enumerate(wanted.get("carousel", []))]
    before = settings_uc.current_settings(session, branch).version
    row, _ = settings_uc.save_settings(session, branch, form, changed_by=None, address=wiring.address)
    if row.version != before:
        log.info("seed_settings_saved", slug=branch.slug, version=row.version)


def _slide(session, wiring: Bootstrap, branch: Branch, index: int, slide: dict[str, Any]) -> dict[str, Any]:
    caption = slide.get("caption")
    picture = images.banner(caption or branch.name, width=1200, height=400, palette=index)
    asset = asset_uc.upload_asset(session, wiring.storage, branch, kind=CAROUSEL, data=picture)
    return {"asset_id": asset.id, "caption": caption, "link": slide.get("link")}
