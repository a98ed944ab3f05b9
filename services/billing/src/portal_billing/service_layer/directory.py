"""billing's copy of identity's directory: the properties (name, address, the back office's id) and
contacts (name, email, the back office's id) invoices name. Fed by `property_upserted` and
`contact_upserted` through the `billing.directory` consumer (the shared rules: portal_shared.directory);
never asked of identity on a request path.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_billing.adapters.orm import contacts, properties
from portal_shared import directory

DIRECTORY_HANDLERS = directory.directory_handlers(properties, contacts)
apply_property_upserted = DIRECTORY_HANDLERS["property_upserted"]
apply_contact_upserted = DIRECTORY_HANDLERS["contact_upserted"]


def property_by_external_id(session: Session, *, tenant_id: str, external_id: str):
    return directory.property_by_external_id(session, properties, tenant_id=tenant_id, external_id=external_id)
