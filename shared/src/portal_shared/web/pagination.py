"""One page of a SQLAlchemy select for flask-smorest's @paginate (which sets X-Pagination).

`page` is bounded by MAX_PAGE (documented in every paged operation by portal_shared.web.openapi):
with flask-smorest's page sizes (≤ 100) the offset stays far below PostgreSQL's BIGINT, where a
`page=922337203685477582` used to overflow into a 500. A page past the last one is empty and
costs no second query.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest.pagination import PaginationParameters
from sqlalchemy.orm import Session

from portal_shared.errors import ValidationFailed

MAX_PAGE = 1_000_000


def check_page(pagination: PaginationParameters) -> None:
    if pagination.page > MAX_PAGE:
        message = f"Must be less than or equal to {MAX_PAGE}."
        raise ValidationFailed("Some fields are invalid: page", errors={"page": [message]})


def _page(session: Session, query: sa.Select, pagination: PaginationParameters) -> sa.Select | None:
    """The page's query (after counting every item), or None past the last page."""
    check_page(pagination)
    pagination.item_count = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    if pagination.first_item >= pagination.item_count:
        return None
    return query.offset(pagination.first_item).limit(pagination.page_size)


def page_of(session: Session, query: sa.Select, pagination: PaginationParameters) -> list:
    """The page's first column (ORM entities, or ids)."""
    page = _page(session, query, pagination)
    return [] if page is None else list(session.scalars(page))


def page_rows_of(session: Session, query: sa.Select, pagination: PaginationParameters) -> list[sa.Row]:
    """The page's rows with every column (a Core select over several tables)."""
    page = _page(session, query, pagination)
    return [] if page is None else list(session.execute(page))


def customer_rows_page(session: Session, customer, requested: list[str] | None, pagination: PaginationParameters,
                       query_for) -> list[sa.Row]:
    """One page of a signed-in customer's list: `query_for(property_ids)` over the properties they may see
    in their branch (only `requested` ones, the Property Filter, when given); none visible → an empty page."""
    from portal_shared.access.query import visible_property_ids

    property_ids = visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                        contact_id=customer.contact_id, requested=requested)
    if not property_ids:
        pagination.item_count = 0
        return []
    return page_rows_of(session, query_for(property_ids), pagination)
