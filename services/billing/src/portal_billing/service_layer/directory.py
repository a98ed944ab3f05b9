"""billing's copy of identity's directory: the properties (name, address, the back office's id, the
sales rep), contacts (name, email, the back office's id) and staff (the sales rep's name, title, phone,
email) invoices name. Fed by `property_upserted`, `contact_upserted` and `staff_upserted` through the
`billing.directory` consumer (the shared rules: portal_shared.directory); never asked of identity on a
request path.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_billing.adapters.orm import contacts, properties, staff
from portal_shared import directory

DIRECTORY_HANDLERS = directory.directory_handlers(properties, contacts, staff)
apply_property_upserted = DIRECTORY_HANDLERS["property_upserted"]
apply_contact_upserted = DIRECTORY_HANDLERS["contact_upserted"]
apply_staff_upserted = DIRECTORY_HANDLERS["staff_upserted"]


def property_by_external_id(session: Session, *, tenant_id: str, external_id: str):
    return directory.property_by_external_id(session, properties, tenant_id=tenant_id, external_id=external_id)


def service_contact(session: Session, *, tenant_id: str, property_id: str, show_phone: bool) -> dict | None:
    """The property's sales rep, the invoice's Service Contact (phone only when the branch shows it)."""
    return directory.sales_rep_contact(session, properties, staff, tenant_id=tenant_id, property_id=property_id,
                                       show_phone=show_phone)
