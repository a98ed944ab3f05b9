"""Who is asking: the tenant, branch, client and account named by the gateway's signed token."""
from __future__ import annotations

from dataclasses import dataclass

from portal_shared.errors import ApiError, Unauthenticated
from portal_shared.identity_token import signed_in_account


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    branch_id: str
    client_ip: str | None = None
    account_kind: str | None = None
    account_id: str | None = None
    request_id: str | None = None

    @classmethod
    def from_claims(cls, claims: dict | None) -> "Caller":
        if not claims or not claims.get("tenant_id") or not claims.get("branch_id"):
            raise ApiError("This endpoint is reached through a branch portal.", status=400, code="branch_required")
        kind, account_id = signed_in_account(claims) or (None, None)
        return cls(tenant_id=claims["tenant_id"], branch_id=claims["branch_id"], client_ip=claims.get("client_ip"),
                   account_kind=kind, account_id=account_id, request_id=claims.get("request_id"))

    def require(self, kind: str) -> str:
        """The signed-in account id of this kind, or 401."""
        if self.account_kind != kind or not self.account_id:
            raise Unauthenticated("Sign in to continue.")
        return self.account_id
