"""proposals' customer API for the Proposals pages: `GET /proposals` (one page of the list, the Show
filter and the Property Filter) and `GET /proposals/<id>` (with `may_sign`). The plumbing is
`adapters.feature_api`'s; `ProposalsError` (404: not one of the customer's proposals) and
`ProposalsUnavailable` become pages in errors.py."""
from __future__ import annotations

from flask import current_app

from portal_web.adapters.feature_api import FeatureApiClient, FeatureApiError, FeatureApiUnavailable, Page


class ProposalsError(FeatureApiError):
    pass


class ProposalsUnavailable(FeatureApiUnavailable):
    pass


class ProposalsClient(FeatureApiClient):
    service = "proposals"
    Error = ProposalsError
    Unavailable = ProposalsUnavailable

    def proposals(self, *, show: str, page: int, property_ids: list[str] | None) -> Page:
        """One page of the customer's proposals, in the order seed 003 gives for the Show."""
        return self.page("/proposals", show=show, page=page, property_ids=property_ids)

    def proposal(self, proposal_id: str) -> dict:
        return self.one("/proposals", proposal_id)


def proposals() -> ProposalsClient:
    return current_app.extensions["proposals_client"]
