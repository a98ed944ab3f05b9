"""Who may see which property: the copy every service that shows property data keeps of it.

identity owns contacts, properties and their roles and publishes `property_access_changed`: the
complete list of who may see one property, with a `revision` that grows with every change.
Each service that shows property data keeps its own copy and answers customers from it:

- `define_property_access_table(metadata)` in the service's adapters/orm.py, and
  `create_property_access_table(op)` in one of its migrations (a later change to these tables
  needs a new migration in each service, as for the bus tables);
- `access_consumer(service, db, bus)`, the consumer `<service>.access`, in its worker and in
  `consumers=` (so `migrate` declares the queue); its handler is `apply_property_access`;
- `visible_property_ids(...)` before every query that answers a customer: the service's own rows
  are then filtered by these ids and by tenant;
- `signed_in_customer(claims)` / `require_customer`: who is asking, from the gateway's token.

Two tables: `property_access` (one row per property and contact, with the roles) and
`property_access_revisions` (one row per property: the newest revision applied). The second
remembers the revision when a property's access list becomes empty, so a late, older event can
never give back access that was taken away.

Nothing here says what a role may do; a service that cares reads `roles` itself.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import g
from marshmallow import Schema, fields, validate
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from portal_shared.errors import Unauthenticated
from portal_shared.events.envelope import Envelope
from portal_shared.identity_token import signed_in_account
from portal_shared.logging import get_logger

log = get_logger(__name__)

EVENT_TYPE = "property_access_changed"
TABLE = "property_access"
REVISIONS_TABLE = "property_access_revisions"
_ID = UUID(as_uuid=False)


# -- tables ---------------------------------------------------------------------------------

def define_property_access_table(metadata: sa.MetaData) -> sa.Table:
    """Add `property_access` (and its companion `property_access_revisions`) to `metadata`."""
    table = sa.Table(
        TABLE, metadata,
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("property_id", _ID, primary_key=True),
        sa.Column("branch_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, primary_key=True),
        sa.Column("roles", ARRAY(sa.String(50)), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        # visible_property_ids: one contact's properties in one branch of one tenant.
        sa.Index("ix_property_access_contact", "tenant_id", "contact_id", "branch_id"),
    )
    sa.Table(
        REVISIONS_TABLE, metadata,
        sa.Column("property_id", _ID, primary_key=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    return table


def create_property_access_table(op) -> None:
    """For a service's migration: create `property_access` and `property_access_revisions`."""
    metadata = sa.MetaData()
    define_property_access_table(metadata)
    for table in metadata.sorted_tables:
        table.create(op.get_bind())


def drop_property_access_table(op) -> None:
    op.drop_table(TABLE)
    op.drop_table(REVISIONS_TABLE)


_metadata = sa.MetaData()
_access = define_property_access_table(_metadata)
_revisions = _metadata.tables[REVISIONS_TABLE]


# -- applying identity's events ------------------------------------------------------------

class PropertyOfAnotherTenant(ValueError):
    """An event names a property this service already knows under another tenant (never applied)."""


def _uuid(value: Any, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{EVENT_TYPE}: {what} is not a UUID: {value!r}") from None


def _parse(envelope: Envelope) -> tuple[str, str, str, int, dict[str, list[str]]]:
    """(tenant, property, branch, revision, {contact: roles}) of the event, or ValueError.

    Reads only the fields it uses, so a field added to the v1 contract does not break it.
    """
    if envelope.type != EVENT_TYPE or envelope.version != 1:
        raise ValueError(f"not a {EVENT_TYPE} v1 event: {envelope.type} v{envelope.version}")
    data = envelope.data
    if not isinstance(data, dict):
        raise ValueError(f"{EVENT_TYPE}: data is not an object")
    tenant_id = _uuid(envelope.tenant_id, "the envelope's tenant_id")
    property_id = _uuid(data.get("property_id"), "property_id")
    branch_id = _uuid(data.get("branch_id"), "branch_id")
    revision = data.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise ValueError(f"{EVENT_TYPE}: revision must be an integer >= 1, not {revision!r}")
    entries = data.get("access")
    if not isinstance(entries, list):
        raise ValueError(f"{EVENT_TYPE}: access is not a list")
    access: dict[str, set[str]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("roles"), list) \
                or not all(isinstance(r, str) and r for r in entry["roles"]):
            raise ValueError(f"{EVENT_TYPE}: malformed access entry {entry!r}")
        access.setdefault(_uuid(entry.get("contact_id"), "contact_id"), set()).update(entry["roles"])
    # A contact listed without a role has no access: no row.
    return tenant_id, property_id, branch_id, revision, {c: sorted(r) for c, r in access.items() if r}


def apply_property_access(session, envelope: Envelope) -> bool:
    """Replace the access rows of the event's property with the event's list.

    Returns False (and changes nothing) when the stored revision for the property is the same
    or newer: events are delivered at least once and not in order. Raises ValueError for a
    malformed event, and PropertyOfAnotherTenant when the property is known under another
    tenant; the consumer then retries and dead-letters it. Runs in the caller's transaction.
    """
    tenant_id, property_id, branch_id, revision, access = _parse(envelope)
    # Claim the revision: one statement that inserts or raises it, and locks the property's row
    # until commit, so two workers applying events of the same property take turns.
    stmt = pg_insert(_revisions).values(property_id=property_id, tenant_id=tenant_id, revision=revision)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_revisions.c.property_id], set_={"revision": stmt.excluded.revision},
        where=(_revisions.c.revision < stmt.excluded.revision) & (_revisions.c.tenant_id == stmt.excluded.tenant_id),
    ).returning(_revisions.c.property_id)
    if session.execute(stmt).first() is None:
        owner = session.scalar(sa.select(_revisions.c.tenant_id).where(_revisions.c.property_id == property_id))
        if owner != tenant_id:
            raise PropertyOfAnotherTenant(f"{EVENT_TYPE}: property {property_id} belongs to another tenant")
        log.info("property_access_stale_ignored", property_id=property_id, revision=revision)
        return False
    session.execute(sa.delete(_access).where(_access.c.tenant_id == tenant_id, _access.c.property_id == property_id))
    if access:
        session.execute(sa.insert(_access), [
            {"tenant_id": tenant_id, "property_id": property_id, "branch_id": branch_id, "contact_id": contact_id,
             "roles": roles, "revision": revision}
            for contact_id, roles in access.items()
        ])
    return True


def access_consumer(service: str, db, bus):
    """The consumer `<service>.access`: keeps the service's property_access current."""
    from portal_shared.bus.consumer import Consumer

    return Consumer(name=f"{service}.access", handlers={EVENT_TYPE: apply_property_access}, db=db, settings=bus)


# -- reading it ----------------------------------------------------------------------------

def _uuids(values: Iterable[Any]) -> list[str]:
    """The values that are UUIDs, normalised; anything else can name no property."""
    out = []
    for value in values:
        try:
            out.append(str(uuid.UUID(str(value))))
        except (TypeError, ValueError, AttributeError):
            continue
    return out


def visible_property_ids(session, *, tenant_id: str, branch_id: str, contact_id: str,
                         requested: list[str] | None = None) -> list[str]:
    """The properties of this branch the contact may see (sorted); only those in `requested` when given.

    Never another tenant's, another branch's or another contact's: a requested property outside
    that set is simply left out.
    """
    ids = _uuids([tenant_id, branch_id, contact_id])
    if len(ids) != 3:
        return []
    tenant_id, branch_id, contact_id = ids
    query = (sa.select(_access.c.property_id)
             .where(_access.c.tenant_id == tenant_id, _access.c.branch_id == branch_id,
                    _access.c.contact_id == contact_id)
             .order_by(_access.c.property_id))
    if requested is not None:
        wanted = _uuids(requested)
        if not wanted:
            return []
        query = query.where(_access.c.property_id.in_(wanted))
    return list(session.scalars(query))


# -- who is asking -------------------------------------------------------------------------

@dataclass(frozen=True)
class Customer:
    tenant_id: str
    branch_id: str
    contact_id: str


def signed_in_customer(claims: dict | None) -> Customer:
    """The customer named by the gateway's token, or Unauthenticated (401).

    Needs account_kind "customer", account_id, tenant_id, branch_id, and a session of this
    tenant (session_tenant_id == tenant_id).
    """
    account = signed_in_account(claims)
    if account is None or account[0] != "customer" or not claims.get("branch_id"):
        raise Unauthenticated("Sign in to continue.")
    return Customer(tenant_id=str(claims["tenant_id"]), branch_id=str(claims["branch_id"]), contact_id=account[1])


def require_customer(view):
    """Guard for a Flask view: 401 unless a customer is signed in; `current_customer()` names them.

    Put it between `@blp.route` and `@blp.arguments` so it runs before the arguments are read.
    """
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.portal_customer = signed_in_customer(g.get("identity"))
        return view(*args, **kwargs)
    return wrapper


def current_customer() -> Customer:
    customer = g.get("portal_customer")
    if customer is None:
        raise Unauthenticated("Sign in to continue.")
    return customer


# -- the property filter a customer sends ---------------------------------------------------

MAX_REQUESTED_PROPERTIES = 200


class PropertyFilterQuery(Schema):
    """`?property_id=…&property_id=…`: the properties the customer picked in the Property Filter."""

    property_id = fields.List(
        fields.UUID(), load_default=None, validate=validate.Length(max=MAX_REQUESTED_PROPERTIES),
        metadata={"description": "Only these properties (repeat the argument for several). A property the "
                                 "customer may not see is left out. Default: every property they may see here."})


def requested_properties(property_id: list | None) -> list[str] | None:
    return [str(p) for p in property_id] if property_id is not None else None
