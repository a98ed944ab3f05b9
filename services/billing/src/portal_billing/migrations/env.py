from portal_billing.adapters.orm import metadata
from portal_shared.migrations import run_migrations

run_migrations(metadata)
