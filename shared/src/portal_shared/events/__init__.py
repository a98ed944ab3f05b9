"""Integration events: the envelope every event travels in, and the contracts of their data."""
from portal_shared.events.envelope import Envelope, EnvelopeSchema, make_event

__all__ = ["Envelope", "EnvelopeSchema", "make_event"]
