"""identity: Staff users, roles, contacts, properties, customer accounts, invitations and sessions (arrives with the identity issue)."""
SERVICE = "identity"
