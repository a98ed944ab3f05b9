"""Tests of portal-config: what is real and what is faked.

unit/ does no I/O: the domain rules (slugs, reserved names, time zones, portal URLs; settings:
colours, WCAG contrast, fonts, fee, proposal window, invitation templates, carousel; who may
manage settings) are plain functions, tested as they are; so is the Pillow adapter, fed images
that the tests draw in memory (PNG/JPEG/WebP with metadata, SVG, text, bombs).

integration/ fakes nothing that matters:
- PostgreSQL is real (TEST_POSTGRES_URL): one throwaway database per test session, built by
  the service's own Alembic migrations via `portal_testkit.testing.throwaway_database`,
  emptied before every test and dropped at the end;
- the app is the real `create_app(Bootstrap(...))` driven through Flask's test client, with
  the operator token "test-operator-token" and portals at http://<slug>.localhost:8080;
- events are checked where the service writes them: the outbox table (the relay and the
  broker are not part of these tests; the bus has its own in shared/tests/integration), each
  against its contract in portal_shared.events.contracts;
- uploaded images are stored by the real LocalDiskStorage, in the test's own tmp_path;
- staff enter the read model through the real `staff_upserted` handler (as the worker's
  consumer would apply the event), and sign in through an identity token signed like the
  gateway's (account_kind "staff", account_id, session_tenant_id);
- readiness checks are {} except in the one test that uses the real database and broker.
If PostgreSQL cannot be reached the tests FAIL saying so; they never skip.
"""
