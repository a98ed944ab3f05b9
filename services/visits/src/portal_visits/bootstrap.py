"""visits, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_visits import SERVICE
from portal_visits.adapters.orm import metadata
from portal_visits.entrypoints.schemas import VisitsSummary
from portal_visits.service_layer.summary import visit_figures
from portal_shared.kit import FeatureService, Summary

FEATURE = FeatureService(
    name=SERVICE, package="portal_visits", metadata=metadata,
    summary=Summary(VisitsSummary, visit_figures),
)
