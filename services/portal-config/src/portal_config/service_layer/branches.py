"""Use cases for companies and branches. The caller's unit of work commits; events go to the outbox.

This module knows nothing of portal settings: settings build on branches (a save may change a
branch's `enabled` or `slug`), and `portals.open_branch` joins the two when a branch is created.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.orm import Session

from portal_config.adapters.orm import Branch, Company
from portal_config.domain.branches import InvalidBranch, check_time_zone, normalise_slug, portal_url
from portal_shared.bus.outbox import record_event
from portal_shared.errors import Conflict, NotFound, ValidationFailed
from portal_shared.events import make_event


@dataclass(frozen=True)
class PortalAddress:
    """Where branch portals live: `<scheme>://<slug>.<base_domain>`."""

    base_domain: str
    scheme: str

    def url(self, slug: str) -> str:
        return portal_url(slug, base_domain=self.base_domain, scheme=self.scheme)


def _invalid(error: InvalidBranch) -> ValidationFailed:
    return ValidationFailed(error.message, errors={error.field: [error.message]})


def get_company(session: Session, *, company_id: str) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"No company {company_id}.")
    return company


def get_branch(session: Session, *, branch_id: str) -> Branch:
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFound(f"No branch {branch_id}.")
    return branch


def list_companies(session: Session) -> sa.Select:
    return sa.select(Company).order_by(Company.name, Company.id)


def list_branches(session: Session, *, company_id: str | None = None) -> sa.Select:
    query = sa.select(Branch).order_by(Branch.slug)
    if company_id:
        get_company(session, company_id=company_id)
        query = query.where(Branch.tenant_id == company_id)
    return query


def create_company(session: Session, *, name: str, contact_email: str | None) -> Company:
    """Register a tenant."""
    company = Company(name=name.strip(), contact_email=contact_email)
    session.add(company)
    session.flush()
    return company


def update_company(session: Session, *, company_id: str, changes: dict[str, Any], address: PortalAddress) -> Company:
    """Change a company's name or contact; every branch is republished since events carry both."""
    company = get_company(session, company_id=company_id)
    for key in ("name", "contact_email"):
        if key in changes:
            setattr(company, key, changes[key].strip() if key == "name" else changes[key])
    for branch in company.branches:
        branch.revision += 1
        _publish(session, "branch_updated", branch, address)
    session.flush()
    return company


def create_branch(session: Session, *, company_id: str, slug: str, name: str, time_zone: str,
                  enabled: bool, address: PortalAddress) -> Branch:
    """Register a branch at its subdomain and announce it (gateway routes it; notifications greets).

    A new portal also needs its default settings: callers use `portals.open_branch`, which does both.
    """
    company = get_company(session, company_id=company_id)
    try:
        slug = normalise_slug(slug)
        time_zone = check_time_zone(time_zone)
    except InvalidBranch as error:
        raise _invalid(error) from None
    _ensure_slug_free(session, slug)
    branch = Branch(tenant_id=company.id, slug=slug, name=name.strip(), time_zone=time_zone,
                    enabled=enabled, revision=1, company=company)
    session.add(branch)
    _flush_unique_slug(session, slug)
    _publish(session, "branch_created", branch, address)
    return branch


def update_branch(session: Session, *, branch_id: str, changes: dict[str, Any], address: PortalAddress) -> Branch:
    """Rename, move, enable/disable or re-zone a branch; publishes the new state."""
    branch = get_branch(session, branch_id=branch_id)
    try:
        if "slug" in changes:
            new_slug = normalise_slug(changes["slug"])
            if new_slug != branch.slug:
                _ensure_slug_free(session, new_slug)
            branch.slug = new_slug
        if "time_zone" in changes:
            branch.time_zone = check_time_zone(changes["time_zone"])
    except InvalidBranch as error:
        raise _invalid(error) from None
    if "name" in changes:
        branch.name = changes["name"].strip()
    if "enabled" in changes:
        branch.enabled = changes["enabled"]
    branch.revision += 1
    _flush_unique_slug(session, branch.slug)
    _publish(session, "branch_updated", branch, address)
    return branch


def _slug_taken(slug: str) -> Conflict:
    return Conflict(f"The subdomain '{slug}' is taken.", code="slug_taken",
                    errors={"slug": [f"The subdomain '{slug}' is taken."]})


def _ensure_slug_free(session: Session, slug: str) -> None:
    if session.scalar(sa.select(Branch.id).where(Branch.slug == slug)):
        raise _slug_taken(slug)


def _flush_unique_slug(session: Session, slug: str) -> None:
    """Flush; a concurrent request that took the slug first shows up here as the unique index."""
    try:
        session.flush()
    except sa.exc.IntegrityError as error:
        if "branches_slug_key" in str(error.orig):
            raise _slug_taken(slug) from None
        raise


def branch_view(branch: Branch, address: PortalAddress) -> dict[str, Any]:
    """A branch as the API and the events show it."""
    return {
        "branch_id": branch.id, "company_id": branch.tenant_id, "company_name": branch.company.name,
        "company_contact_email": branch.company.contact_email, "slug": branch.slug, "name": branch.name,
        "enabled": branch.enabled, "time_zone": branch.time_zone, "portal_url": address.url(branch.slug),
        "revision": branch.revision,
    }


def _publish(session: Session, event_type: str, branch: Branch, address: PortalAddress) -> None:
    event = make_event(event_type, branch_view(branch, address), tenant_id=branch.tenant_id, branch_id=branch.id)
    record_event(session, event)
