"""Use cases of a branch portal's settings: defaults, check, save (versioned), history, snapshot.

Every save that changes something writes, in the caller's unit of work: the new current
settings (version + 1), a history row with {field: {from, to}}, the branch row when `enabled`
or `slug` changed (which publishes `branch_updated`), and a `portal_settings_updated` event
carrying the complete settings. A save that changes nothing writes nothing.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_config.adapters.orm import Asset, Branch, PortalSettings, PortalSettingsVersion
from portal_config.domain.assets import CAROUSEL, LOGO_KINDS, asset_url
from portal_config.domain.settings import (
    Checked,
    changes_between,
    check_form,
    contrast_warnings,
    default_settings,
    split_form,
    to_contract,
    with_urls,
)
from portal_config.service_layer import branches as branch_uc
from portal_config.service_layer.staff import staff_names
from portal_shared.bus.outbox import record_event
from portal_shared.errors import Conflict, NotFound, ValidationFailed
from portal_shared.events import make_event

NO_SUCH_IMAGE = "No such image; upload it first."
NOT_A_LOGO = "Use an image uploaded as a logo (login_logo or nav_logo)."
NOT_A_SLIDE = "Use an image uploaded for the carousel."
VERSION_MESSAGE = "Send the version you edited (a whole number), or leave it out."


# -- current settings ----------------------------------------------------------------------------

def initialise_settings(session: Session, branch: Branch) -> PortalSettings:
    """Version 1 of a new branch's settings (the defaults), its history row and its event."""
    settings = default_settings(branch.company.name)
    row = PortalSettings(branch_id=branch.id, tenant_id=branch.tenant_id, version=1, settings=settings,
                         updated_by=None)
    session.add(row)
    session.add(PortalSettingsVersion(tenant_id=branch.tenant_id, branch_id=branch.id, version=1,
                                      settings=settings, changes={}, changed_by=None))
    session.flush()
    _publish(session, branch, row)
    return row


def current_settings(session: Session, branch: Branch, *, lock: bool = False) -> PortalSettings:
    row = session.get(PortalSettings, branch.id, with_for_update=lock or None)
    if row is None:
        # Every branch gets its settings when created (and migration 0002 backfilled older ones);
        # this only guards against a branch written some other way.
        row = initialise_settings(session, branch)
    return row


def form_of(branch: Branch, row: PortalSettings) -> dict[str, Any]:
    """What the configuration screen edits: the branch's enabled flag and slug, then the settings."""
    return {"enabled": branch.enabled, "slug": branch.slug, **row.settings}


def settings_view(branch: Branch, row: PortalSettings, address: branch_uc.PortalAddress) -> dict[str, Any]:
    form = form_of(branch, row)
    return {
        "branch_id": branch.id, "version": row.version, "updated_by": row.updated_by,
        "updated_at": row.updated_at, "portal_url": address.url(branch.slug),
        "settings": {"enabled": branch.enabled, "slug": branch.slug, **with_urls(row.settings)},
        "warnings": contrast_warnings(form),
    }


# -- check and save ------------------------------------------------------------------------------

def check_settings(session: Session, branch: Branch, changes: dict[str, Any]) -> Checked:
    """Validate `changes` over the current form without writing: errors, warnings, normalised form."""
    changes = dict(changes)
    changes.pop("expected_version", None)
    return _check(session, branch, current_settings(session, branch), changes)


def check_view(checked: Checked) -> dict[str, Any]:
    """{errors, warnings, settings}: the form as it would be saved, with image URLs where valid."""
    form, errors = checked.form, checked.errors
    shown = dict(form)
    for name, url_name in (("login_logo_asset_id", "login_logo_url"), ("nav_logo_asset_id", "nav_logo_url")):
        shown[url_name] = None if name in errors else asset_url(form.get(name))
    if not any(k == "carousel" or k.startswith("carousel.") for k in errors):
        shown["carousel"] = [{**slide, "image_url": asset_url(slide["asset_id"])} for slide in form["carousel"]]
    return {"errors": errors, "warnings": checked.warnings, "settings": shown}


def save_settings(session: Session, branch: Branch, changes: dict[str, Any], *, changed_by: str | None,
                  address: branch_uc.PortalAddress) -> tuple[PortalSettings, list[dict[str, Any]]]:
    """Apply `changes` (any subset of the form) as a new version; ValidationFailed naming each bad field."""
    changes = dict(changes)
    expected_version = changes.pop("expected_version", None)
    row = current_settings(session, branch, lock=True)
    checked = _check(session, branch, row, changes)
    if expected_version is not None and (isinstance(expected_version, bool) or not isinstance(expected_version, int)):
        checked.errors["expected_version"] = [VERSION_MESSAGE]
    if checked.errors:
        raise ValidationFailed("Some fields are invalid: " + ", ".join(sorted(checked.errors)), errors=checked.errors)
    if expected_version is not None and expected_version != row.version:
        raise Conflict(f"These settings were saved by someone else meanwhile (now version {row.version}); "
                       "reload them and apply your changes again.", code="version_conflict")

    before = form_of(branch, row)
    diff = changes_between(before, checked.form)
    if not diff:
        return row, checked.warnings
    branch_fields, settings = split_form(checked.form)
    branch_changes = {k: v for k, v in branch_fields.items() if k in diff}
    if branch_changes:
        branch_uc.update_branch(session, branch_id=branch.id, changes=branch_changes, address=address)
    row.version += 1
    row.settings = settings
    row.updated_by = changed_by
    row.updated_at = sa.func.now()
    session.add(PortalSettingsVersion(tenant_id=branch.tenant_id, branch_id=branch.id, version=row.version,
                                      settings=settings, changes=diff, changed_by=changed_by))
    session.flush()
    _publish(session, branch, row)
    return row, checked.warnings


def _check(session: Session, branch: Branch, row: PortalSettings, changes: dict[str, Any]) -> Checked:
    checked = check_form(changes, form_of(branch, row))
    _check_assets(session, branch, checked)
    _check_slug(session, branch, checked)
    return checked


def _check_assets(session: Session, branch: Branch, checked: Checked) -> None:
    """Referenced images must exist, be this company's, and be of a fitting kind."""
    form, errors = checked.form, checked.errors
    wanted: list[tuple[str, str, frozenset[str], str]] = []
    for name in ("login_logo_asset_id", "nav_logo_asset_id"):
        if name not in errors and form.get(name):
            wanted.append((name, form[name], LOGO_KINDS, NOT_A_LOGO))
    if not any(k == "carousel" or k.startswith("carousel.") for k in errors):
        for index, slide in enumerate(form.get("carousel") or []):
            wanted.append((f"carousel.{index}.asset_id", slide["asset_id"], frozenset({CAROUSEL}), NOT_A_SLIDE))
    if not wanted:
        return
    found = {a.id: a for a in session.scalars(sa.select(Asset).where(Asset.id.in_({w[1] for w in wanted})))}
    for key, asset_id, kinds, wrong_kind in wanted:
        asset = found.get(asset_id)
        if asset is None or asset.tenant_id != branch.tenant_id:
            errors[key] = [NO_SUCH_IMAGE]
        elif asset.kind not in kinds:
            errors[key] = [wrong_kind]


def _check_slug(session: Session, branch: Branch, checked: Checked) -> None:
    slug = checked.form.get("slug")
    if "slug" in checked.errors or slug == branch.slug:
        return
    if session.scalar(sa.select(Branch.id).where(Branch.slug == slug, Branch.id != branch.id)):
        checked.errors["slug"] = [f"The subdomain '{slug}' is taken."]


def _publish(session: Session, branch: Branch, row: PortalSettings) -> None:
    event = make_event("portal_settings_updated", {
        "branch_id": branch.id, "version": row.version, "updated_by": row.updated_by,
        "settings": to_contract(row.settings),
    }, tenant_id=branch.tenant_id, branch_id=branch.id)
    record_event(session, event)


# -- history and snapshot ------------------------------------------------------------------------

def versions_query(branch: Branch) -> sa.Select:
    return (sa.select(PortalSettingsVersion).where(PortalSettingsVersion.branch_id == branch.id)
            .order_by(PortalSettingsVersion.version.desc()))


def version_views(session: Session, rows: list[PortalSettingsVersion], *, with_settings: bool = False
                  ) -> list[dict[str, Any]]:
    names = staff_names(session, {r.changed_by for r in rows if r.changed_by})
    views = []
    for r in rows:
        view = {"version": r.version, "changed_by": r.changed_by, "changed_by_name": names.get(r.changed_by),
                "changed_at": r.changed_at, "changes": r.changes}
        if with_settings:
            view["settings"] = with_urls(r.settings)
        views.append(view)
    return views


def get_version(session: Session, branch: Branch, version: int) -> PortalSettingsVersion:
    row = session.get(PortalSettingsVersion, (branch.id, version))
    if row is None:
        raise NotFound(f"No version {version} of this branch's settings.")
    return row


def snapshot(session: Session) -> list[dict[str, Any]]:
    """Every branch's current settings as readers need them (portal-web at start)."""
    rows = session.execute(sa.select(PortalSettings).join(Branch, Branch.id == PortalSettings.branch_id)
                           .order_by(Branch.slug)).scalars()
    return [{"branch_id": r.branch_id, "version": r.version, "settings": to_contract(r.settings)} for r in rows]
