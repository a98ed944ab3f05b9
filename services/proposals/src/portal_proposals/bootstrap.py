"""proposals, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_proposals import SERVICE
from portal_proposals.adapters.orm import metadata
from portal_proposals.entrypoints.schemas import ProposalsSummary
from portal_proposals.service_layer.summary import proposal_figures
from portal_shared.kit import FeatureService, Summary

FEATURE = FeatureService(
    name=SERVICE, package="portal_proposals", metadata=metadata,
    summary=Summary(ProposalsSummary, proposal_figures),
)
