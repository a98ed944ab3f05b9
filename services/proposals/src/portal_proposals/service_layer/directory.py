"""proposals' copy of identity's directory: the properties (name, address, branch, the back office's
id) proposals name. Fed by `property_upserted` through the `proposals.directory` consumer (the shared
rules: portal_shared.directory); never asked of identity on a request path."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import contacts, properties
from portal_shared import directory

DIRECTORY_HANDLERS = directory.directory_handlers(properties, contacts)


def property_or_422(session: Session, *, tenant_id: str, external_id: str):
    """The property the back office names, or 422 on `property_external_id` (it may not have arrived yet)."""
    return directory.property_or_422(session, properties, tenant_id=tenant_id, external_id=external_id,
                                     service="proposals")
