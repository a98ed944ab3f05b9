"""billing: Invoices, credits, balances, payment methods and payments (scaled independently)."""
SERVICE = "billing"
