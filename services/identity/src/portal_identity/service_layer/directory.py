"""Contacts, properties and who may see which property: written by the integration API and the
seed, published as events so every service keeps its own read model."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_identity.adapters.orm import Branch, Contact, Invitation, Property, PropertyRole, StaffUser
from portal_identity.domain.property_roles import permissions_for
from portal_identity.domain.rules import email_error, normalise_email
from portal_shared.bus.outbox import record_event
from portal_shared.errors import Conflict, NotFound, ValidationFailed
from portal_shared.events import make_event



def publish_contact(session: Session, contact: Contact) -> None:
    record_event(session, make_event("contact_upserted", {
        "contact_id": contact.id, "email": contact.email, "first_name": contact.first_name,
        "last_name": contact.last_name, "verified": contact.verified, "revision": contact.revision,
        "external_id": contact.external_id,
    }, tenant_id=contact.tenant_id))


def publish_property(session: Session, prop: Property) -> None:
    record_event(session, make_event("property_upserted", {
        "property_id": prop.id, "branch_id": prop.branch_id, "name": prop.name, "street": prop.street,
        "city": prop.city, "state": prop.state, "zip": prop.zip, "account_owner_id": prop.account_owner_id,
        "operations_manager_id": prop.operations_manager_id, "sales_rep_id": prop.sales_rep_id,
        "revision": prop.revision, "external_id": prop.external_id,
    }, tenant_id=prop.tenant_id, branch_id=prop.branch_id))


def publish_access(session: Session, prop: Property) -> None:
    rows = session.execute(sa.select(PropertyRole.contact_id, PropertyRole.role)
                           .where(PropertyRole.tenant_id == prop.tenant_id, PropertyRole.property_id == prop.id)
                           .order_by(PropertyRole.contact_id, PropertyRole.role)).all()
    access: dict[str, list[str]] = {}
    for contact_id, role in rows:
        access.setdefault(contact_id, []).append(role)
    record_event(session, make_event("property_access_changed", {
        "property_id": prop.id, "branch_id": prop.branch_id, "revision": prop.revision,
        "access": [{"contact_id": c, "roles": r, "permissions": permissions_for(r)} for c, r in access.items()],
    }, tenant_id=prop.tenant_id, branch_id=prop.branch_id))


def branch_by_slug(session: Session, *, tenant_id: str, slug: str) -> Branch:
    branch = session.scalar(sa.select(Branch).where(Branch.tenant_id == tenant_id, Branch.slug == slug))
    if branch is None:
        raise ValidationFailed(f"No branch '{slug}' in this company.", errors={"branch_slug": [f"Unknown branch '{slug}'."]})
    return branch


def email_taken(session: Session, tenant_id: str, email: str, except_id: str | None) -> bool:
    """Another contact of this company already signs in with this email."""
    query = sa.select(Contact.id).where(Contact.tenant_id == tenant_id, Contact.email == email)
    if except_id:
        query = query.where(Contact.id != except_id)
    return session.scalar(query) is not None


def upsert_contact(session: Session, *, tenant_id: str, external_id: str, email: str, first_name: str,
                   last_name: str, phone: str | None = None) -> tuple[Contact, bool]:
    """Create or update a contact by the back office's id. An email change keeps the password."""
    email = normalise_email(email)
    if error := email_error(email):
        raise ValidationFailed(error, errors={"email": [error]})
    contact = session.scalar(sa.select(Contact).where(Contact.tenant_id == tenant_id, Contact.external_id == external_id))
    created = contact is None
    if email_taken(session, tenant_id, email, None if created else contact.id):
        raise Conflict("Another contact of this company already uses this email.", code="email_taken",
                       errors={"email": ["Another contact of this company already uses this email."]})
    if created:
        contact = Contact(tenant_id=tenant_id, external_id=external_id, email=email, revision=1)
        session.add(contact)
    else:
        contact.revision += 1
    contact.email, contact.first_name, contact.last_name, contact.phone = email, first_name.strip(), last_name.strip(), phone
    session.flush()
    publish_contact(session, contact)
    return contact, created


def _staff_id(session: Session, tenant_id: str, email: str | None) -> str | None:
    if not email:
        return None
    staff_id = session.scalar(sa.select(StaffUser.id).where(StaffUser.tenant_id == tenant_id,
                                                            StaffUser.email == normalise_email(email)))
    if staff_id is None:
        raise ValidationFailed(f"No staff user {email}.", errors={"staff": [f"No staff user {email} in this company."]})
    return staff_id


def upsert_property(session: Session, *, tenant_id: str, external_id: str, branch_slug: str, name: str,
                    street: str | None = None, city: str | None = None, state: str | None = None,
                    zip: str | None = None, account_owner_email: str | None = None,
                    operations_manager_email: str | None = None, sales_rep_email: str | None = None
                    ) -> tuple[Property, bool]:
    branch = branch_by_slug(session, tenant_id=tenant_id, slug=branch_slug)
    prop = session.scalar(sa.select(Property).where(Property.tenant_id == tenant_id, Property.external_id == external_id))
    created = prop is None
    if created:
        prop = Property(tenant_id=tenant_id, external_id=external_id, revision=1)
        session.add(prop)
    else:
        prop.revision += 1
    prop.branch_id, prop.name, prop.street, prop.city, prop.state, prop.zip = branch.id, name, street, city, state, zip
    prop.account_owner_id = _staff_id(session, tenant_id, account_owner_email)
    prop.operations_manager_id = _staff_id(session, tenant_id, operations_manager_email)
    prop.sales_rep_id = _staff_id(session, tenant_id, sales_rep_email)
    session.flush()
    publish_property(session, prop)
    return prop, created


def set_property_access(session: Session, *, tenant_id: str, property_external_id: str,
                        access: list[dict[str, Any]]) -> Property:
    """Replace who may see the property: [{contact_external_id, roles: [Primary|Billing|Other]}]."""
    prop = session.scalar(sa.select(Property).where(Property.tenant_id == tenant_id,
                                                    Property.external_id == property_external_id))
    if prop is None:
        raise NotFound(f"No property {property_external_id}.")
    wanted: set[tuple[str, str]] = set()
    external_ids = [entry["contact_external_id"] for entry in access]
    ids_by_external = dict(session.execute(sa.select(Contact.external_id, Contact.id).where(
        Contact.tenant_id == tenant_id, Contact.external_id.in_(external_ids))).all())
    for entry in access:
        contact_id = ids_by_external.get(entry["contact_external_id"])
        if contact_id is None:
            raise ValidationFailed("Unknown contact.", errors={"contact_external_id": [
                f"No contact {entry['contact_external_id']}; create it first."]})
        wanted |= {(contact_id, role) for role in entry["roles"]}
    session.execute(sa.delete(PropertyRole).where(PropertyRole.tenant_id == tenant_id, PropertyRole.property_id == prop.id))
    for contact_id, role in sorted(wanted):
        session.add(PropertyRole(tenant_id=tenant_id, property_id=prop.id, contact_id=contact_id, role=role))
    prop.revision += 1
    session.flush()
    publish_access(session, prop)
    return prop


def republish_access(session: Session, *, batch: int = 500) -> int:
    """Publish every property's access list again under a new revision (every tenant), so every
    service's read model catches up with a field added to the event (e.g. `permissions`). Idempotent
    in effect; returns how many properties were published."""
    count = 0
    for prop in session.scalars(sa.select(Property).order_by(Property.id).execution_options(yield_per=batch)):
        prop.revision += 1
        publish_access(session, prop)
        count += 1
    return count


def republish_directory(session: Session, *, batch: int = 500) -> tuple[int, int]:
    """Publish every contact and property again at its current revision (every tenant), and every staff
    user (visits's directory names the sales rep), so a read model that started after they were
    published (billing's, visits's directory) catches up; readers that already hold that revision
    change nothing. Returns (contacts, properties) published."""
    contacts = properties = 0
    for contact in session.scalars(sa.select(Contact).order_by(Contact.id).execution_options(yield_per=batch)):
        publish_contact(session, contact)
        contacts += 1
    for prop in session.scalars(sa.select(Property).order_by(Property.id).execution_options(yield_per=batch)):
        publish_property(session, prop)
        properties += 1
    for staff in session.scalars(sa.select(StaffUser).order_by(StaffUser.id).execution_options(yield_per=batch)):
        publish_staff(session, staff)
    return contacts, properties


def contact_properties(session: Session, *, tenant_id: str, contact_id: str, branch_id: str) -> list[dict[str, Any]]:
    return properties_of_contacts(session, tenant_id=tenant_id, contact_ids=[contact_id],
                                  branch_id=branch_id).get(contact_id, [])


def properties_of_contacts(session: Session, *, tenant_id: str, contact_ids: list[str],
                           branch_id: str) -> dict[str, list[dict[str, Any]]]:
    """Each contact's properties in this branch with their roles, in one query for the whole list."""
    rows = session.execute(
        sa.select(PropertyRole.contact_id, Property, PropertyRole.role)
        .join(PropertyRole, PropertyRole.property_id == Property.id)
        .where(Property.tenant_id == tenant_id, PropertyRole.tenant_id == tenant_id,
               PropertyRole.contact_id.in_(contact_ids), Property.branch_id == branch_id)
        .order_by(Property.name, PropertyRole.role)).all()
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for contact_id, prop, role in rows:
        entry = found.setdefault(contact_id, {}).setdefault(prop.id, {
            "property_id": prop.id, "name": prop.name, "street": prop.street, "city": prop.city,
            "state": prop.state, "zip": prop.zip, "roles": []})
        entry["roles"].append(role)
    return {contact_id: list(props.values()) for contact_id, props in found.items()}


def staff_contact_rows(session: Session, *, tenant_id: str, branch_id: str, contacts: list[Contact]) -> list[dict[str, Any]]:
    """The staff console's rows for one page of contacts: properties and last invitation, two queries in all."""
    ids = [c.id for c in contacts]
    properties = properties_of_contacts(session, tenant_id=tenant_id, contact_ids=ids, branch_id=branch_id)
    invited = dict(session.execute(
        sa.select(Invitation.contact_id, sa.func.max(Invitation.created_at))
        .where(Invitation.tenant_id == tenant_id, Invitation.contact_id.in_(ids))
        .group_by(Invitation.contact_id)).all())
    return [{"contact_id": c.id, "email": c.email, "first_name": c.first_name, "last_name": c.last_name,
             "verified": c.verified, "invited_at": invited.get(c.id),
             "properties": [{"property_id": p["property_id"], "name": p["name"], "roles": p["roles"]}
                            for p in properties.get(c.id, [])]}
            for c in contacts]


def contacts_in_branch(*, tenant_id: str, branch_id: str, q: str | None, verified: bool | None,
                       contact_ids: list | None = None) -> sa.Select:
    in_branch = (sa.select(PropertyRole.contact_id).join(Property, Property.id == PropertyRole.property_id)
                 .where(PropertyRole.tenant_id == tenant_id, Property.branch_id == branch_id))
    query = sa.select(Contact).where(Contact.tenant_id == tenant_id, Contact.id.in_(in_branch))
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(Contact.email).like(like),
                                   sa.func.lower(Contact.first_name + " " + Contact.last_name).like(like)))
    if verified is not None:
        query = query.where(Contact.verified_at.is_not(None) if verified else Contact.verified_at.is_(None))
    if contact_ids is not None:
        query = query.where(Contact.id.in_([str(c) for c in contact_ids]))
    return query.order_by(Contact.last_name, Contact.first_name, Contact.id)


def publish_staff(session: Session, staff: StaffUser) -> None:
    from portal_identity.domain.roles import permissions_of

    record_event(session, make_event("staff_upserted", {
        "staff_id": staff.id, "email": staff.email, "first_name": staff.first_name, "last_name": staff.last_name,
        "title": staff.title, "phone": staff.phone, "role": staff.role,
        "permissions": sorted(permissions_of(staff.role)), "branch_ids": list(staff.branch_ids or []),
        "active": staff.active,
    }, tenant_id=staff.tenant_id))


def apply_portal_settings(session: Session, data: dict[str, Any], tenant_id: str | None) -> None:
    """Keep the branch's invitation template (consumer of portal_settings_updated)."""
    branch = session.get(Branch, data["branch_id"])
    if branch is None or branch.tenant_id != tenant_id:
        # Settings of a branch we have not heard of yet: branch_created is retried until it has arrived.
        raise LookupError(f"branch {data['branch_id']} is not in the read model yet")
    if branch.settings_version is not None and branch.settings_version >= data["version"]:
        return
    settings = data["settings"]
    branch.settings_version = data["version"]
    branch.invitation_subject = settings["invitation_subject"]
    branch.invitation_body = settings["invitation_body"]
    branch.invitation_link_description = settings["invitation_link_description"]


def apply_branch(session: Session, data: dict[str, Any]) -> None:
    """Keep the branch read model current (consumer of branch_created / branch_updated)."""
    branch = session.get(Branch, data["branch_id"])
    if branch is not None and branch.revision >= data["revision"]:
        return
    if branch is None:
        branch = Branch(id=data["branch_id"])
        session.add(branch)
    branch.tenant_id, branch.slug, branch.name = data["company_id"], data["slug"], data["name"]
    branch.company_name, branch.portal_url = data["company_name"], data["portal_url"]
    branch.enabled, branch.revision = data["enabled"], data["revision"]
