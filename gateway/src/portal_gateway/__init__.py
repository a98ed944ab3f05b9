"""The gateway: one entry for every branch portal. Owns no data; learns branches from events."""
SERVICE = "gateway"
