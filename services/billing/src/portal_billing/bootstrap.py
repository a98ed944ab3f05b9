"""billing, declared: what the service kit (portal_shared.kit) builds its app, worker and CLI from."""
from portal_billing import SERVICE
from portal_billing.adapters.orm import metadata
from portal_billing.adapters.processor import CardPointeProcessor, ProcessorSettings
from portal_billing.entrypoints.api import customer, integration
from portal_billing.entrypoints.autopay_api import autopay
from portal_billing.entrypoints.payments_api import PROCESSOR, payments
from portal_billing.entrypoints.schemas import BillingSummary
from portal_billing.entrypoints.seed import seed_demo
from portal_billing.service_layer.autopay import autopay_loop
from portal_billing.service_layer.directory import DIRECTORY_HANDLERS
from portal_billing.service_layer.payment_settings import SETTINGS_HANDLERS
from portal_billing.service_layer.payments import payment_resolver
from portal_billing.service_layer.summary import billing_figures
from portal_shared.kit import FeatureService, Summary


def _wire_processor(state) -> None:
    """The payment processor the payments API charges through: PAYMENT_PROCESSOR_* (the sandbox in dev)."""
    state.app.extensions.setdefault(PROCESSOR, CardPointeProcessor(ProcessorSettings.from_env()))


payments.record_once(_wire_processor)


def _payment_resolver(db, _settings):
    """loop:payments: asks the processor about payments whose answer was lost (service_layer/payments.py)."""
    return payment_resolver(db, CardPointeProcessor(ProcessorSettings.from_env()))


def _autopay(db, _settings):
    """loop:autopay: the enrolled properties' notices and due-date charges, once per invoice with any number of
    workers (service_layer/autopay.py)."""
    return autopay_loop(db, CardPointeProcessor(ProcessorSettings.from_env()))

FEATURE = FeatureService(
    name=SERVICE, package="portal_billing", metadata=metadata,
    summary=Summary(BillingSummary, billing_figures),
    blueprints=(customer, integration, payments, autopay),
    # billing.directory: identity's properties and contacts, for the names and addresses invoices show.
    consumers={"directory": DIRECTORY_HANDLERS,
               # billing.settings: the payments part of each branch's portal settings (who takes what, the fee).
               "settings": SETTINGS_HANDLERS},
    loops={"payments": _payment_resolver, "autopay": _autopay},
    seed=seed_demo,    # after identity's seed: it waits for the demo properties and contacts to arrive
)
