"""The feature-service kit: a service such as billing declares what is its own, and the kit builds
the rest the same way for every one of them.

A feature service declares, in its `bootstrap.py`:

    FEATURE = FeatureService(
        name="billing", package="portal_billing", metadata=metadata,       # adapters/orm.py
        summary=Summary(BillingSummary, billing_figures),                   # GET /summary
        blueprints=(invoices_api, integration_api),                         # its other endpoints
        consumers={"payments": {"payment_settled": on_payment_settled}},    # billing.payments
        seed=seed_demo,                                                     # `portal-billing seed FILE`
    )

and points gunicorn at it (`wsgi_app = "portal_shared.kit.wsgi:create_app('portal_billing')"`) and
its script too (`portal-billing = "portal_billing.bootstrap:FEATURE.cli"` in pyproject.toml). From
that the kit builds:

- the Flask app (`portal_shared.web.create_service_app`: problem+json, request ids, health,
  readiness of database and broker, metrics, OpenAPI) with `/summary` and the declared blueprints;
- the worker: the outbox relay, the `<name>.access` consumer keeping the property-access read
  model, and one consumer `<name>.<suffix>` per declared handler table;
- the CLI: `migrate` (+ declare the consumers' queues), `declare-topology`, `worker`, `seed`.

Its tables start from `feature_metadata()`: the bus's outbox and inbox and the property-access
read model; `property_records(metadata, name, ...)` starts a table of per-property records with
`id`, `tenant_id` and `property_id`. Its migrations stay its own (Alembic, `migrations/`).

A service that names identity's properties, contacts or staff keeps a copy with
`portal_shared.directory` (ADR 0027): `define_directory_tables(metadata, ...)` /
`define_staff_table(metadata)` for its tables, `directory_handlers(properties, contacts, staff=...)`
for its `<name>.directory` consumer, and `property_or_422` / `upsert_by_external_id` for the back
office's PUTs by external id.
"""
from portal_shared.kit.feature import FeatureService, Handler, Summary, feature_metadata, property_records

__all__ = ["FeatureService", "Handler", "Summary", "feature_metadata", "property_records"]
