"""requests, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_requests import SERVICE
from portal_requests.adapters.orm import metadata
from portal_requests.entrypoints.schemas import RequestsSummary
from portal_requests.service_layer.summary import request_figures
from portal_shared.kit import FeatureService, Summary

FEATURE = FeatureService(
    name=SERVICE, package="portal_requests", metadata=metadata,
    summary=Summary(RequestsSummary, request_figures),
)
