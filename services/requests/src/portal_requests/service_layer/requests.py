"""Requests (the back office's issues): written by the back office (integration API, the demo seed) and by
customers (a new request, a comment), read by customers over the properties they may see.

Every query filters by tenant; a customer's also by the properties `portal_shared.access` lets them see
in their branch. Only requests with *Include Client* and comments that are *Public* reach a customer.
Each change another party hears of is an event in the same transaction (outbox): `request_created` and
`request_commented` (emails to staff, webhooks to the back office), `request_replied` (an email to the
customer who opened the request).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_requests.adapters.orm import comments, properties, requests
from portal_requests.domain import requests as rules
from portal_requests.domain.attachments import Upload
from portal_requests.service_layer import attachments as files
from portal_requests.service_layer import directory
from portal_shared.access.guard import Customer
from portal_shared.access.query import visible_property_ids
from portal_shared.bus.outbox import record_event
from portal_shared.errors import NotFound, ValidationFailed
from portal_shared.events import make_event
from portal_shared.storage import AbstractStorage

NEW_REQUEST_STAFF = ("account_owner", "operations_manager")
COMMENT_STAFF = ("account_owner",)

# -- writes (the back office) -----------------------------------------------------------------------


def _property_or_422(session: Session, tenant_id: str, external_id: str):
    prop = directory.property_by_external_id(session, tenant_id=tenant_id, external_id=external_id)
    if prop is None:
        raise ValidationFailed("Unknown property.", errors={"property_external_id": [
            f"No property {external_id}: PUT it to /api/identity/integration/properties/{external_id} first "
            "(it reaches requests within seconds; retry)."]})
    return prop


def _claimed_row(session: Session, tenant_id: str, external_id: str, portal_request_id: str | None):
    """The stored request this PUT replaces: the one with this external id, else the portal's request it
    claims (one a customer created that the back office has not named yet)."""
    row = session.execute(sa.select(requests).where(
        requests.c.tenant_id == tenant_id, requests.c.external_id == external_id).with_for_update()).first()
    if row is not None or portal_request_id is None:
        return row
    row = session.execute(sa.select(requests).where(
        requests.c.tenant_id == tenant_id, requests.c.id == portal_request_id).with_for_update()).first()
    if row is None or row.external_id is not None:
        raise ValidationFailed("Unknown portal request.", errors={"portal_request_id": [
            f"No request {portal_request_id} created in the portal and not yet claimed."]})
    return row


def upsert_request(session: Session, storage: AbstractStorage, *, tenant_id: str, external_id: str,
                   doc: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the request the back office knows as `external_id` (idempotent), with its
    comments (by their external ids; the list is complete: a back-office comment left out is removed)."""
    prop = _property_or_422(session, tenant_id, doc["property_external_id"])
    rules.check_dates(doc)
    uploads = {i: [Upload(a["filename"], a["content"]) for a in c["attachments"]] for i, c in enumerate(doc["comments"])}
    prepared = {i: files.prepare_batch(u, field=f"comments.{i}.attachments") for i, u in uploads.items() if u}
    # Two PUTs of one new issue at once: the second waits here and then finds the first's row (an update),
    # rather than both inserting and one failing on the unique external id.
    session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('requests.put:' || :t || ':' || :e))"),
                    {"t": tenant_id, "e": external_id})
    existing = _claimed_row(session, tenant_id, external_id, doc.get("portal_request_id"))
    values = {
        "external_id": external_id, "property_id": prop.id, "branch_id": prop.branch_id, "number": doc["number"],
        "subject": doc["subject"], "description": doc["description"], "priority": doc["priority"],
        "status": doc["status"], "include_client": doc["include_client"], "proposals": doc["proposals"],
        "created_at": doc["created_at"], "completed_at": doc.get("completed_at"), "updated_at": sa.func.now(),
    }
    if existing is None:
        request_id = str(uuid.uuid4())
        session.execute(sa.insert(requests).values(id=request_id, tenant_id=tenant_id, **values))
        opened_by = None
    else:
        request_id, opened_by = existing.id, existing.opened_by_contact_id
        session.execute(sa.update(requests).where(requests.c.tenant_id == tenant_id, requests.c.id == request_id)
                        .values(**values))
    listed_ids = [c["external_id"] for c in doc["comments"]]
    session.execute(sa.delete(comments).where(
        comments.c.tenant_id == tenant_id, comments.c.request_id == request_id, comments.c.external_id.is_not(None),
        comments.c.external_id.not_in(listed_ids)))
    facts = None
    for index, comment in enumerate(doc["comments"]):
        comment_id, newly_public = _upsert_comment(session, tenant_id, request_id, comment)
        if comment_id is None:
            continue
        if index in prepared and newly_public is not None:
            files.store_batch(session, storage, prepared[index], tenant_id=tenant_id, request_id=request_id,
                              comment_id=comment_id)
        if newly_public and opened_by is not None and doc["include_client"]:
            facts = facts or _facts(session, tenant_id, request_id)
            to = directory.contact(session, tenant_id=tenant_id, contact_id=opened_by)
            if to is not None:
                record_event(session, make_event("request_replied", {
                    **facts, "comment_id": comment_id, "text": comment["text"], "author": comment["author"],
                    "to": to}, tenant_id=tenant_id, branch_id=prop.branch_id))
    return stored_request(session, tenant_id=tenant_id, request_id=request_id)


def _upsert_comment(session: Session, tenant_id: str, request_id: str, comment: dict) -> tuple[str | None, bool | None]:
    """(comment id, whether it just became public: True/False; None when it existed before — its
    attachments are kept as first sent). A comment the back office names with `portal_comment_id` is a
    customer's comment it echoes: claimed, not duplicated."""
    before = session.execute(sa.select(comments.c.id, comments.c.public).where(
        comments.c.tenant_id == tenant_id, comments.c.external_id == comment["external_id"])).first()
    if before is None and comment.get("portal_comment_id"):
        claimed = session.execute(sa.update(comments).where(
            comments.c.tenant_id == tenant_id, comments.c.request_id == request_id,
            comments.c.id == str(comment["portal_comment_id"]), comments.c.external_id.is_(None))
            .values(external_id=comment["external_id"]).returning(comments.c.id)).first()
        if claimed is not None:
            return None, None
    values = {"public": comment["public"], "author": comment["author"], "text": comment["text"]}
    if comment.get("created_at"):
        values["created_at"] = comment["created_at"]
    stmt = pg_insert(comments).values(id=str(uuid.uuid4()), tenant_id=tenant_id, request_id=request_id,
                                      external_id=comment["external_id"], **values)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_request_comments_tenant_external_id", set_=values,
        where=comments.c.request_id == request_id).returning(comments.c.id)
    comment_id = session.scalar(stmt)
    if comment_id is None:  # the external id belongs to another request's comment
        raise ValidationFailed("Comment of another request.", errors={"comments": [
            f"Comment {comment['external_id']} belongs to another request."]})
    if before is None:
        return comment_id, comment["public"]
    return comment_id, (comment["public"] and not before.public) or None


def stored_request(session: Session, *, tenant_id: str, request_id: str) -> dict[str, Any]:
    row = session.execute(
        sa.select(requests, properties.c.external_id.label("property_external_id"))
        .join(properties, (properties.c.id == requests.c.property_id) & (properties.c.tenant_id == tenant_id))
        .where(requests.c.tenant_id == tenant_id, requests.c.id == request_id)).mappings().one()
    found = session.execute(sa.select(comments.c.external_id, comments.c.id).where(
        comments.c.tenant_id == tenant_id, comments.c.request_id == request_id)).all()
    return {**row, "comments": [{"id": c.id, "external_id": c.external_id} for c in found]}


def _facts(session: Session, tenant_id: str, request_id: str) -> dict[str, Any]:
    row = session.execute(
        sa.select(requests, properties.c.external_id.label("property_external_id"),
                  properties.c.name.label("property_name"))
        .join(properties, (properties.c.id == requests.c.property_id) & (properties.c.tenant_id == tenant_id))
        .where(requests.c.tenant_id == tenant_id, requests.c.id == request_id)).one()
    return {"request_id": row.id, "request_external_id": row.external_id, "number": row.number,
            "subject": row.subject, "priority": row.priority, "property_id": row.property_id,
            "property_external_id": row.property_external_id, "property_name": row.property_name}


# -- writes (the customer) --------------------------------------------------------------------------

def _next_number(session: Session, tenant_id: str) -> str:
    """The tenant's next request number: one past the highest numeric one (the back office's or ours)."""
    session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('requests.number:' || :t))"), {"t": tenant_id})
    highest = session.scalar(sa.select(sa.func.max(sa.cast(requests.c.number, sa.BigInteger))).where(
        requests.c.tenant_id == tenant_id, requests.c.number.regexp_match(r"^[0-9]{1,15}$")))
    return str((highest or 0) + 1)


def create_request(session: Session, storage: AbstractStorage, *, customer: Customer, doc: dict[str, Any],
                   uploads: list[Upload]) -> dict[str, Any]:
    """A customer's new request on a property they may see (422 naming `property_id` otherwise), with up to
    five attachments; `request_created` tells the property's account owner and operations manager."""
    property_id = str(doc["property_id"])
    if not customer_property_ids(session, customer, [property_id]):
        raise ValidationFailed("Unknown property.", errors={"property_id": ["Choose one of your properties."]})
    prop = directory.property_row(session, tenant_id=customer.tenant_id, property_id=property_id)
    if prop is None:
        raise ValidationFailed("Unknown property.", errors={"property_id": [
            "This property is still being set up; try again in a minute."]})
    prepared = files.prepare_batch(uploads, field="attachments")
    request_id, now = str(uuid.uuid4()), datetime.now(UTC)
    session.execute(sa.insert(requests).values(
        id=request_id, tenant_id=customer.tenant_id, property_id=property_id, branch_id=customer.branch_id,
        number=_next_number(session, customer.tenant_id), status=rules.OPEN, subject=doc["subject"],
        description=doc["description"], priority=doc["priority"], include_client=True,
        opened_by_contact_id=customer.contact_id, created_at=now))
    count = files.store_batch(session, storage, prepared, tenant_id=customer.tenant_id, request_id=request_id,
                              comment_id=None)
    opened_by = directory.contact(session, tenant_id=customer.tenant_id, contact_id=customer.contact_id)
    if opened_by is None:
        raise ValidationFailed("Your contact details have not reached this service yet; try again in a minute.")
    record_event(session, make_event("request_created", {
        **_facts(session, customer.tenant_id, request_id), "description": doc["description"], "created_at": now,
        "opened_by": opened_by, "attachments": count,
        "notify": directory.property_staff(session, tenant_id=customer.tenant_id, prop=prop,
                                           roles=NEW_REQUEST_STAFF)},
        tenant_id=customer.tenant_id, branch_id=customer.branch_id))
    return customer_request(session, customer=customer, request_id=request_id)


def add_comment(session: Session, storage: AbstractStorage, *, customer: Customer, request_id: str, text: str,
                uploads: list[Upload]) -> dict[str, Any]:
    """A customer's comment on a request they may see (always public: it is theirs), with up to five
    attachments; `request_commented` tells the property's account owner and the back office."""
    row = _visible_request(session, customer, request_id)
    prepared = files.prepare_batch(uploads, field="attachments")
    author = directory.contact(session, tenant_id=customer.tenant_id, contact_id=customer.contact_id)
    if author is None:
        raise ValidationFailed("Your contact details have not reached this service yet; try again in a minute.")
    comment_id, now = str(uuid.uuid4()), datetime.now(UTC)
    session.execute(sa.insert(comments).values(
        id=comment_id, tenant_id=customer.tenant_id, request_id=request_id, public=True, author=author["name"],
        contact_id=customer.contact_id, text=text, created_at=now))
    count = files.store_batch(session, storage, prepared, tenant_id=customer.tenant_id, request_id=request_id,
                              comment_id=comment_id)
    prop = directory.property_row(session, tenant_id=customer.tenant_id, property_id=row.property_id)
    record_event(session, make_event("request_commented", {
        **_facts(session, customer.tenant_id, request_id), "comment_id": comment_id, "text": text,
        "commented_at": now, "author": author, "attachments": count,
        "notify": directory.property_staff(session, tenant_id=customer.tenant_id, prop=prop, roles=COMMENT_STAFF)
        if prop is not None else []},
        tenant_id=customer.tenant_id, branch_id=customer.branch_id))
    return customer_request(session, customer=customer, request_id=request_id)


# -- reads (the customer) ---------------------------------------------------------------------------

def customer_property_ids(session: Session, customer: Customer, requested: list[str] | None) -> list[str]:
    return visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                contact_id=customer.contact_id, requested=requested)


def _visible_request(session: Session, customer: Customer, request_id: str):
    """The request, or 404 when it is not one the customer may see (tenant, branch, property, Include Client)."""
    row = session.execute(sa.select(requests).where(
        requests.c.tenant_id == customer.tenant_id, requests.c.id == request_id,
        requests.c.include_client.is_(True))).first()
    if row is None or not customer_property_ids(session, customer, [row.property_id]):
        raise NotFound("No such request.")
    return row


def _listed(tenant_id: str, property_ids: list[str]) -> sa.Select:
    return (sa.select(requests, properties.c.name.label("property_name"), properties.c.street, properties.c.city,
                      properties.c.state, properties.c.zip)
            .select_from(requests.outerjoin(properties, (properties.c.id == requests.c.property_id)
                                            & (properties.c.tenant_id == tenant_id)))
            .where(requests.c.tenant_id == tenant_id, requests.c.property_id.in_(property_ids),
                   requests.c.include_client.is_(True)))


def customer_request_list(*, tenant_id: str, property_ids: list[str], show: str) -> sa.Select:
    """Show Open (newest first) or Closed (most recently completed first)."""
    query = _listed(tenant_id, property_ids).where(requests.c.status == rules.SHOW[show])
    if show == "closed":
        return query.order_by(sa.func.coalesce(requests.c.completed_at, requests.c.created_at).desc(), requests.c.id)
    return query.order_by(requests.c.created_at.desc(), requests.c.id)


def list_rows(rows) -> list[dict[str, Any]]:
    return [_row(row) for row in rows]


def _row(row) -> dict[str, Any]:
    return {
        "id": row.id, "number": row.number, "title": rules.title(row.number, row.subject), "subject": row.subject,
        "property": {"id": row.property_id, "name": row.property_name or "", "street": row.street, "city": row.city,
                     "state": row.state, "zip": row.zip},
        "status": row.status, "priority": row.priority, "created_at": row.created_at, "completed_at": row.completed_at,
    }


def customer_request(session: Session, *, customer: Customer, request_id: str) -> dict[str, Any]:
    """One request in detail: its photos, its public comments in order with their attachments, proposals."""
    visible = _visible_request(session, customer, request_id)
    row = session.execute(_listed(customer.tenant_id, [visible.property_id]).where(requests.c.id == request_id)).one()
    found = files.listed(session, tenant_id=customer.tenant_id, request_id=request_id)
    public = session.execute(sa.select(comments).where(
        comments.c.tenant_id == customer.tenant_id, comments.c.request_id == request_id, comments.c.public.is_(True))
        .order_by(comments.c.created_at, comments.c.id)).mappings()
    return {
        **_row(row), "description": row.description, "proposals": row.proposals,
        "attachments": found.get(None, []),
        "comments": [{"id": c["id"], "author": c["author"], "text": c["text"], "created_at": c["created_at"],
                      "from_customer": c["contact_id"] is not None, "attachments": found.get(c["id"], [])}
                     for c in public],
    }


def customer_attachment(session: Session, storage: AbstractStorage, *, customer: Customer, request_id: str,
                        attachment_id: str, thumbnail: bool) -> tuple[dict, bytes]:
    """An attachment's bytes, only for a customer who may see the request, and of a public comment."""
    _visible_request(session, customer, request_id)
    row, data = files.read(session, storage, tenant_id=customer.tenant_id, request_id=request_id,
                           attachment_id=attachment_id, thumbnail=thumbnail)
    if row["comment_id"] is not None:
        public = session.scalar(sa.select(comments.c.public).where(
            comments.c.tenant_id == customer.tenant_id, comments.c.id == row["comment_id"]))
        if not public:
            raise NotFound("No such attachment.")
    return row, data
