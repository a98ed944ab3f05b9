"""visits's copy of identity's directory: the properties (name, address, the back office's id, the
sales rep) and staff (the sales rep's name, title, phone, email) a visit shows. Fed by
`property_upserted` and `staff_upserted` through the `visits.directory` consumer; never asked of
identity on a request path. The shared rules: `portal_shared.directory`."""
from __future__ import annotations

from portal_shared.directory import directory_handlers
from portal_visits.adapters.orm import properties, staff

DIRECTORY_HANDLERS = directory_handlers(properties, staff=staff)
