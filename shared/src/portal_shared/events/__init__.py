"""Integration events: the envelope every event travels in, and the contracts of their data."""
from portal_shared.events.envelope import Envelope, EnvelopeSchema, load_event, make_event

__all__ = ["Envelope", "EnvelopeSchema", "load_event", "make_event"]
