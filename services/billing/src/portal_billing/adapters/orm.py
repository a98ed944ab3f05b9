"""billing's database: invoices and credits from the back office (money in integer cents), the
directory read model (properties with their sales rep, contacts, staff: fed by identity's events),
beside the kit's outbox, inbox and property-access copy (the billing.access consumer keeps it). Every
query filters by tenant_id."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_shared.directory import EXTERNAL_ID_LENGTH, define_directory_tables, define_staff_table
from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

ID = UUID(as_uuid=False)
NUMBER_LENGTH = 50
NOW = sa.text("now()")

# An invoice as the back office sent it. `opportunities` ([{number, name}]) and `services` (the lines
# grouped by opportunity: [{opportunity_number, name, lines: [{quantity, item, unit_price_cents,
# extended_price_cents}], sales_tax_cents, total_cents}]) are the back office's document, replaced
# whole on every PUT and never queried by field, so they are JSONB; every figure a query needs
# (total, paid, dates) is a column. Customers see it once `sent` and while not `voided`.
invoices = property_records(
    metadata, "invoices",
    sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=False),
    sa.Column("number", sa.String(NUMBER_LENGTH), nullable=False),
    sa.Column("invoice_date", sa.Date, nullable=False),
    sa.Column("terms_days", sa.Integer, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    # The back office's contact id; resolved through `contacts` when read, so the invoice may
    # arrive before its contact has reached this read model.
    sa.Column("billing_contact_external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
    sa.Column("opportunities", JSONB, nullable=False, server_default="[]"),
    sa.Column("services", JSONB, nullable=False, server_default="[]"),
    sa.Column("payments", JSONB, nullable=False, server_default="[]"),
    sa.Column("total_cents", sa.BigInteger, nullable=False),
    sa.Column("paid_cents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("sent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.CheckConstraint("total_cents >= 0 AND paid_cents >= 0", name="ck_invoices_money_not_negative"),
    sa.UniqueConstraint("tenant_id", "external_id", name="uq_invoices_tenant_external_id"),
    sa.Index("ix_invoices_tenant_property_date", "tenant_id", "property_id", "invoice_date"),
)
# Beside the index, migration 0010 creates extended statistics `st_invoices_tenant_property` (a property
# decides its tenant), which SQLAlchemy does not model: the list's plan at scale depends on them.

# A credit: applied to one invoice (it lowers that invoice's balance) or unapplied (it lowers
# nothing the customer owes until the back office applies it; the seeds' rule).
credits = property_records(
    metadata, "credits",
    sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=False),
    sa.Column("credit_date", sa.Date, nullable=True),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("invoice_external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
    sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.CheckConstraint("amount_cents >= 0", name="ck_credits_amount_not_negative"),
    sa.UniqueConstraint("tenant_id", "external_id", name="uq_credits_tenant_external_id"),
    sa.Index("ix_credits_tenant_invoice", "tenant_id", "invoice_external_id"),
)

# -- the directory read model (identity's property_upserted / contact_upserted / staff_upserted) ---

# The back office's id names one property and one contact per tenant (invoices are resolved by it).
# Properties keep their sales rep: the invoice's Service Contact (seed 002), named from `staff`.
properties, contacts = define_directory_tables(metadata, with_sales_rep=True, unique_external_ids=True)
staff = define_staff_table(metadata)

# -- the customer's payments (service_layer/payments.py) ------------------------------------------

PAYMENT_STATUSES = ("processing", "succeeded", "declined", "unknown", "pending", "returned", "failed")
# A payment in one of these holds its amount against the invoice's balance (domain: never below zero);
# `pending` is an ACH debit until its bank settles it (→ succeeded) or returns it (→ returned: released).
# `failed`: the processor refused billing itself (credentials, merchant id) and nothing was charged.
HOLDING_STATUSES = ("processing", "succeeded", "unknown", "pending")
# Held but not yet known to be paid: the invoice shows as Pending, not Paid, while one of these holds it.
UNSETTLED_STATUSES = ("processing", "unknown", "pending")
PROCESSOR_REF_LENGTH = 40
PAYMENT_MESSAGE_LENGTH = 300
IDEMPOTENCY_KEY_LENGTH = 255

# One payment by a signed-in customer, one charge at the processor; its id is the processor's order id.
# The amount is what it lowers the balances by (split over one or more invoices in
# `payment_allocations`; `invoice_id` is the first of them); the fee (cards only) is charged on top.
# An ACH debit records when it settled and, if its bank returned it (before or after that), when and why.
payments = property_records(
    metadata, "payments",
    sa.Column("invoice_id", ID, nullable=False),
    sa.Column("contact_id", ID, nullable=False),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("fee_cents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("retref", sa.String(PROCESSOR_REF_LENGTH), nullable=True),
    sa.Column("message", sa.String(PAYMENT_MESSAGE_LENGTH), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    # When billing last changed the payment or asked the processor about it (the worker's queue order).
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("return_code", sa.String(10), nullable=True),
    sa.CheckConstraint("amount_cents > 0 AND fee_cents >= 0", name="ck_payments_money_positive"),
    sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in PAYMENT_STATUSES)})", name="ck_payments_status"),
    sa.Index("ix_payments_tenant_invoice", "tenant_id", "invoice_id"),
    sa.Index("ix_payments_status", "status"),
)

# How one payment is split over the invoices it pays (oldest first unless the customer chose amounts);
# the allocations of a payment add up to its amount. A payment holds each invoice's share against
# that invoice's balance while its status is one of HOLDING_STATUSES.
payment_allocations = sa.Table(
    "payment_allocations", metadata,
    sa.Column("payment_id", ID, primary_key=True),
    sa.Column("invoice_id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.CheckConstraint("amount_cents > 0", name="ck_payment_allocations_amount_positive"),
    sa.Index("ix_payment_allocations_tenant_invoice", "tenant_id", "invoice_id"),
)

# The IETF Idempotency-Key of a money-moving request, per signed-in contact: the request's fingerprint,
# and once answered, the answer (replayed to a retry); answered NULL = still in flight.
idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("tenant_id", ID, primary_key=True),
    sa.Column("contact_id", ID, primary_key=True),
    sa.Column("key", sa.String(IDEMPOTENCY_KEY_LENGTH), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("payment_id", ID, nullable=True),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("response", JSONB, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
)

# The payments part of each branch's portal settings (portal-config's `portal_settings_updated`, kept by
# the billing.settings consumer; service_layer/payment_settings.py). No row: the branch takes no payments.
branch_payment_settings = sa.Table(
    "branch_payment_settings", metadata,
    sa.Column("branch_id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("electronic_payments", sa.Boolean, nullable=False),
    sa.Column("accepted_payment_types", JSONB, nullable=False),
    sa.Column("partial_payments", sa.Boolean, nullable=False),
    sa.Column("card_convenience_fee_percent", sa.Numeric(4, 2), nullable=False),
    # Not a payment rule: whether the invoice's Service Contact shows the sales rep's phone.
    sa.Column("show_sales_rep_phone", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("version", sa.Integer, nullable=False),
)

# A signed-in customer's saved payment methods (service_layer/payment_methods.py): only the processor's
# token and what the customer needs to recognise the method; card data and bank account numbers never.
PAYMENT_TOKEN_LENGTH = 64
payment_methods = sa.Table(
    "payment_methods", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("contact_id", ID, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),                  # card | ach
    sa.Column("token", sa.String(PAYMENT_TOKEN_LENGTH), nullable=False),
    sa.Column("brand", sa.String(20), nullable=False),                 # Visa, ..., or Checking / Savings
    sa.Column("last_four", sa.String(4), nullable=False),
    sa.Column("expiry", sa.String(4), nullable=True),                  # MMYY, cards only
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.CheckConstraint("kind IN ('card', 'ach')", name="ck_payment_methods_kind"),
    sa.Index("ix_payment_methods_tenant_contact", "tenant_id", "contact_id"),
    sa.Index("uq_payment_methods_one_default", "tenant_id", "contact_id", unique=True,
             postgresql_where=sa.text("is_default")),
)

# Per signed-in customer: whether billing emails a receipt of each payment (stored; the email is not sent yet).
payment_preferences = sa.Table(
    "payment_preferences", metadata,
    sa.Column("tenant_id", ID, primary_key=True),
    sa.Column("contact_id", ID, primary_key=True),
    sa.Column("email_receipts", sa.Boolean, nullable=False),
)

# -- autopay (service_layer/autopay.py) --------------------------------------------------------------

# A property's autopay: the Primary or Billing contact who enrolled it and the saved method the worker
# charges. One per property; a failed charge deletes it (the customer is emailed and enrols again).
autopay_enrolments = sa.Table(
    "autopay_enrolments", metadata,
    sa.Column("tenant_id", ID, primary_key=True),
    sa.Column("property_id", ID, primary_key=True),
    sa.Column("id", ID, nullable=False, unique=True),
    sa.Column("contact_id", ID, nullable=False),
    sa.Column("payment_method_id", ID, nullable=False),
    sa.Column("enrolled_on", sa.Date, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
)

AUTOPAY_STEPS = ("notice", "charge")
# What the worker did for one invoice under one enrolment, claimed by its primary key before doing it:
# a second worker (or a second round) finds the row and does nothing. `payment_id` (a charge's) is the
# processor's order id, derived from the enrolment and the invoice (service_layer/autopay.order_id).
autopay_runs = sa.Table(
    "autopay_runs", metadata,
    sa.Column("tenant_id", ID, primary_key=True),
    sa.Column("invoice_id", ID, primary_key=True),
    sa.Column("enrolment_id", ID, primary_key=True),
    sa.Column("step", sa.String(10), primary_key=True),
    sa.Column("payment_id", ID, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.CheckConstraint(f"step IN ({', '.join(repr(s) for s in AUTOPAY_STEPS)})", name="ck_autopay_runs_step"),
)
