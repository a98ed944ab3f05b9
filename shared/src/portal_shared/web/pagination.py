"""One page of a SQLAlchemy select for flask-smorest's @paginate (which sets X-Pagination)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest.pagination import PaginationParameters
from sqlalchemy.orm import Session


def page_of(session: Session, query: sa.Select, pagination: PaginationParameters) -> list:
    pagination.item_count = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return list(session.scalars(query.offset(pagination.first_item).limit(pagination.page_size)))
