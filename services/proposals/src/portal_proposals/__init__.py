"""proposals: Proposals, their services and optional services, e-signatures and signed PDFs."""
SERVICE = "proposals"
