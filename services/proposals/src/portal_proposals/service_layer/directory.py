"""proposals' copy of identity's directory: the properties (name, address, branch, the back office's
id) proposals name. Fed by `property_upserted` through the `proposals.directory` consumer (the shared
rules: portal_shared.directory); never asked of identity on a request path."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import contacts, properties
from portal_shared import directory
from portal_shared.errors import ValidationFailed

DIRECTORY_HANDLERS = directory.directory_handlers(properties, contacts)


def property_or_422(session: Session, *, tenant_id: str, external_id: str):
    """The property the back office names, or 422 on `property_external_id` (it may not have arrived yet)."""
    prop = directory.property_by_external_id(session, properties, tenant_id=tenant_id, external_id=external_id)
    if prop is None:
        raise ValidationFailed("Unknown property.", errors={"property_external_id": [
            f"No property {external_id}: PUT it to /api/identity/integration/properties/{external_id} first "
            "(it reaches proposals within seconds; retry)."]})
    return prop
