"""requests, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_requests import SERVICE
from portal_requests.adapters.orm import metadata
from portal_requests.bootstrap_storage import storage_from_env
from portal_requests.entrypoints.api import STORAGE, UPLOAD_REQUEST_LIMIT, customer, integration
from portal_requests.entrypoints.schemas import RequestsSummary
from portal_requests.entrypoints.seed import seed_demo
from portal_requests.service_layer.directory import DIRECTORY_HANDLERS
from portal_requests.service_layer.summary import request_figures
from portal_shared.kit import FeatureService, Summary


def _wire_storage(state) -> None:
    """The attachments' storage, and a body limit that lets five 10 MB attachments (and one too large) arrive."""
    state.app.extensions.setdefault(STORAGE, storage_from_env())
    state.app.config["MAX_CONTENT_LENGTH"] = UPLOAD_REQUEST_LIMIT


customer.record_once(_wire_storage)

FEATURE = FeatureService(
    name=SERVICE, package="portal_requests", metadata=metadata,
    summary=Summary(RequestsSummary, request_figures),
    blueprints=(customer, integration),
    # requests.directory: identity's properties (with their account owner and operations manager), contacts and
    # staff, for the names, addresses and email recipients of requests.
    consumers={"directory": DIRECTORY_HANDLERS},
    seed=seed_demo,    # after identity's seed: it waits for the demo properties to arrive
)
