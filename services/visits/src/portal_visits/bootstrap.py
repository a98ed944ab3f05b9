"""visits, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_visits import SERVICE
from portal_visits.adapters.orm import metadata
from portal_visits.entrypoints.api import calendar, customer, integration
from portal_visits.entrypoints.schemas import VisitsSummary
from portal_visits.entrypoints.seed import seed_demo
from portal_visits.service_layer.directory import DIRECTORY_HANDLERS
from portal_visits.service_layer.summary import visit_figures
from portal_shared.kit import FeatureService, Summary

FEATURE = FeatureService(
    name=SERVICE, package="portal_visits", metadata=metadata,
    summary=Summary(VisitsSummary, visit_figures),
    blueprints=(customer, integration, calendar),
    # visits.directory: identity's properties (address, sales rep) and staff (the service contact).
    consumers={"directory": DIRECTORY_HANDLERS},
    seed=seed_demo,    # after identity's seed: it waits for the demo properties to arrive
)
