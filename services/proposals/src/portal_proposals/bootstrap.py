"""proposals, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_proposals import SERVICE
from portal_proposals.adapters import evidence_orm  # noqa: F401 — signatures and the audit trail join `metadata`
from portal_proposals.adapters.orm import metadata
from portal_proposals.entrypoints.api import customer, integration
from portal_proposals.entrypoints.schemas import ProposalsSummary
from portal_proposals.entrypoints.seed import seed_demo
from portal_proposals.entrypoints.signing_api import signing_api
from portal_proposals.service_layer.branch_settings import SETTINGS_HANDLERS
from portal_proposals.service_layer.directory import DIRECTORY_HANDLERS
from portal_proposals.service_layer.summary import proposal_figures
from portal_shared.kit import FeatureService, Summary

FEATURE = FeatureService(
    name=SERVICE, package="portal_proposals", metadata=metadata,
    summary=Summary(ProposalsSummary, proposal_figures),
    blueprints=(customer, integration, signing_api),
    # proposals.directory: identity's properties and contacts, for the names and addresses proposals show
    # and the signer's name.
    consumers={"directory": DIRECTORY_HANDLERS,
               # proposals.settings: the proposals part of each branch's portal settings (window, details, phone).
               "settings": SETTINGS_HANDLERS},
    seed=seed_demo,    # after identity's seed: it waits for the demo properties to arrive
)
