"""Dev payment processor in CardPointe's REST shape, with a hosted tokenizer page (for `make run` and tests only)."""
