from portal_identity.adapters.orm import metadata
from portal_shared.migrations import run_migrations

run_migrations(metadata)
