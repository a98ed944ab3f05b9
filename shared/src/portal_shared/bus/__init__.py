"""The event bus: the only code that talks to RabbitMQ (pika).

- `outbox`: tables and `record_event`, written in the same transaction as the change;
- `relay`: publishes outbox rows with confirms, re-sending anything unconfirmed;
- `consumer`: inbox-deduplicated, manually acked, retried with backoff, then dead-lettered;
- `subscriber`: a per-process queue for in-memory read models (the gateway's branch table);
- `topology`: exchanges, queues and bindings, declared by code at start;
- `dlq`: the operator command that lists and replays dead letters.
"""
