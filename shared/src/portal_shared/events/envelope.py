"""The integration-event envelope: id, type, version, occurred_at, tenant, branch, correlation, data.

`make_event` validates `data` against the registered contract, so a producer can never write
an event its consumers could not read.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from portal_shared.logging import current_correlation_id


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    tenant_id = fields.UUID(required=True, allow_none=True)
    branch_id = fields.UUID(required=True, allow_none=True)
    correlation_id = fields.String(required=True, allow_none=True)
    data = fields.Dict(required=True)


# One instance for every message: building a schema costs more than using it; load keeps no state in it.
_ENVELOPE_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Envelope:
    type: str
    data: dict[str, Any]
    tenant_id: str | None
    branch_id: str | None = None
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    correlation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.type, "version": self.version, "occurred_at": self.occurred_at,
            "tenant_id": self.tenant_id, "branch_id": self.branch_id,
            "correlation_id": self.correlation_id, "data": self.data,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Envelope":
        """Parse and check a received envelope; raises marshmallow.ValidationError when malformed."""
        _ENVELOPE_SCHEMA.load(raw)
        return cls(type=raw["type"], data=raw["data"], tenant_id=raw["tenant_id"], branch_id=raw["branch_id"],
                   version=raw["version"], id=raw["id"], occurred_at=raw["occurred_at"],
                   correlation_id=raw["correlation_id"])


def make_event(event_type: str, data: dict[str, Any], *, tenant_id: Any, branch_id: Any = None,
               version: int = 1, correlation_id: str | None = None) -> Envelope:
    """Build an envelope whose data has passed its contract; correlation comes from the current request."""
    from portal_shared.events.contracts import contract_for

    schema = contract_for(event_type, version)
    errors = schema.validate(data)
    if errors:
        raise ValidationError(errors)
    return Envelope(
        type=event_type,
        data=schema.dump(data),
        tenant_id=str(tenant_id) if tenant_id else None,
        branch_id=str(branch_id) if branch_id else None,
        version=version,
        correlation_id=correlation_id or current_correlation_id(),
    )


def load_event(envelope: Envelope, event_type: str, version: int = 1) -> tuple[str, dict[str, Any]]:
    """(tenant_id, data) of a received event, loaded through its contract; ValueError when it does not
    fit (a consumer then retries it and dead-letters it).

    Unknown fields are ignored, so a field added to a contract's version does not break an older reader.
    """
    from marshmallow import EXCLUDE

    from portal_shared.events.contracts import contract_for

    if envelope.type != event_type or envelope.version != version:
        raise ValueError(f"not a {event_type} v{version} event: {envelope.type} v{envelope.version}")
    try:
        tenant_id = str(uuid.UUID(str(envelope.tenant_id)))
    except ValueError:
        raise ValueError(f"{event_type}: the envelope's tenant_id is not a UUID: {envelope.tenant_id!r}") from None
    if not isinstance(envelope.data, dict):
        raise ValueError(f"{event_type}: data is not an object")
    try:
        return tenant_id, contract_for(event_type, version).load(envelope.data, unknown=EXCLUDE)
    except ValidationError as exc:
        raise ValueError(f"{event_type}: {exc.messages}") from None
