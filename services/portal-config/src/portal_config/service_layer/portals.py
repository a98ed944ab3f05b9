"""Opening a branch portal: the branch and its default settings, in the caller's unit of work.

Kept apart from `branches` and `settings` so neither imports the other's caller: `settings` builds
on `branches`, and this module builds on both.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_config.adapters.orm import Branch
from portal_config.service_layer.branches import PortalAddress, create_branch
from portal_config.service_layer.settings import initialise_settings


def open_branch(session: Session, *, company_id: str, slug: str, name: str, time_zone: str, enabled: bool,
                address: PortalAddress) -> Branch:
    """Create the branch (`branch_created`) and its settings' version 1 (`portal_settings_updated`)."""
    branch = create_branch(session, company_id=company_id, slug=slug, name=name, time_zone=time_zone,
                           enabled=enabled, address=address)
    initialise_settings(session, branch)
    return branch
