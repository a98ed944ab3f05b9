"""Who may see which property, and what they may do there: the read model every service that
shows property data keeps, fed by identity's `property_access_changed`.

identity owns contacts, properties and their roles (Primary, Billing, Other) and decides what each
role may do; it publishes, per property, the complete list of contacts with their roles and
`permissions` ("pay", "sign"), with a `revision` that grows with every change. A service keeps
its own copy and answers customers from it. The parts, each in its layer:

- `tables`   (adapters): `define_property_access_tables(metadata)` for the models,
  `create_property_access_tables(op)` for a migration;
- `consumer` (entrypoint): `access_consumer(service, db, bus)`, the consumer `<service>.access`,
  whose handler `apply_property_access` loads the event through its contract;
- `query`    (service layer): `visible_property_ids(...)` before every query that answers a
  customer, `permissions_on(...)` / `may(...)` for "may this customer pay / sign here?";
- `guard`    (web): `require_customer` / `current_customer()` (who is asking, from the gateway's
  token) and `authorize(...)` (404 for a property they may not see, 403 for an action they may not take);
- `schemas`  (web): `PropertyFilterQuery`, the Property Filter a customer sends.

Service kits (portal_shared.kit) wire the table, the consumer and the guard for a feature service.
"""
