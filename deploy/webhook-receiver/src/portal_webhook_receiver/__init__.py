"""Dev webhook receiver: what arrived, and whether each signature verifies (for `make run` only)."""
