"""identity: staff users and roles, contacts, properties and their roles, customer accounts,
invitations, password resets, API keys and sessions."""
SERVICE = "identity"
