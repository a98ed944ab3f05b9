"""Schemas of visits's HTTP API: the back office's visits (integration), the customer's list, detail
and calendar feed, and the summary."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import Schema, fields, validate

from portal_shared.access.schemas import PropertyFilterQuery
from portal_shared.web.fields import PropertyRef
from portal_visits.adapters.orm import EXTERNAL_ID_LENGTH, NOTE_LENGTH, STATUS_LENGTH, STATUSES
from portal_visits.domain.visits import SHOW

SERVICE_NAME_LENGTH = 200
MAX_SERVICES, MAX_NOTES = 50, 100
# Any visit falls far inside these; outside them a time could not be shown in every zone (year 1, 9999).
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(2200, 1, 1, tzinfo=timezone.utc)


class VisitsSummary(Schema):
    """The figures of visits's card on Home (the kit adds `property_ids`)."""

    upcoming_visits = fields.Integer(required=True, metadata={
        "description": "Visits with status Scheduled, after now and within the next 30 days (the Visits "
                       "list's Next 30 Days)."})


# -- integration: what the back office sends ---------------------------------------------------

class VisitNoteEntry(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_LENGTH))
    shown_in_portal = fields.Boolean(required=True, metadata={
        "description": "Shown in Portal: only such notes ever reach the customer (pages, calendar files, feeds)."})


class VisitUpsert(Schema):
    """A visit as the back office knows it; replaces the stored one whole (notes included)."""

    property_external_id = fields.String(required=True, validate=validate.Length(min=1, max=EXTERNAL_ID_LENGTH),
                                         metadata={"description": "The back office's id of the property "
                                                                  "(as PUT to identity)."})
    scheduled_for = fields.AwareDateTime(required=True, validate=validate.Range(min=EARLIEST, max=LATEST), metadata={
        "description": "When the visit starts, ISO 8601 with its UTC offset (e.g. 2026-03-18T07:00:00-05:00), "
                       "between 1970 and 2200. Stored in UTC; customers read it in the branch's time zone."})
    status = fields.String(required=True, validate=[validate.OneOf(STATUSES), validate.Length(max=STATUS_LENGTH)])
    services = fields.List(fields.String(validate=validate.Length(min=1, max=SERVICE_NAME_LENGTH)),
                           load_default=list, validate=validate.Length(max=MAX_SERVICES),
                           metadata={"description": "The scheduled services' names, in order."})
    notes = fields.List(fields.Nested(VisitNoteEntry), load_default=list, validate=validate.Length(max=MAX_NOTES),
                        metadata={"description": "Visit notes, in order, each with Shown in Portal."})


class VisitNoteOut(Schema):
    text = fields.String()
    shown_in_portal = fields.Boolean()


class VisitStored(Schema):
    id = fields.String()
    external_id = fields.String()
    property_id = fields.String()
    property_external_id = fields.String()
    scheduled_for = fields.AwareDateTime()
    status = fields.String()
    services = fields.List(fields.String())
    notes = fields.List(fields.Nested(VisitNoteOut))


# -- the customer ---------------------------------------------------------------------------------

class VisitQuery(PropertyFilterQuery):
    """`?show=completed&property_id=…`: the list's Show and the Property Filter."""

    show = fields.String(load_default="upcoming", validate=validate.OneOf(list(SHOW)),
                         metadata={"description": "The list's Show: upcoming (Next 30 Days) or completed."})


class VisitRow(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "Scheduled, Completed or Cancelled (the back office's)."})
    label = fields.String(metadata={"description": "What the customer reads: UPCOMING, COMPLETED or CANCELLED."})
    scheduled_for = fields.AwareDateTime(metadata={"description": "The start, in UTC."})
    local_time = fields.AwareDateTime(metadata={"description": "The start in the branch's time zone."})
    services = fields.List(fields.String())
    property = fields.Nested(PropertyRef)


class ServiceContact(Schema):
    first_name = fields.String()
    last_name = fields.String()
    title = fields.String(allow_none=True)
    email = fields.String()
    phone = fields.String(allow_none=True)


class VisitDetail(VisitRow):
    notes = fields.List(fields.String(), metadata={"description": "Only the notes Shown in Portal, in order."})
    service_contact = fields.Nested(ServiceContact, allow_none=True,
                                    metadata={"description": "The property's sales rep, when known."})


class CalendarFeed(Schema):
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(allow_none=True)
    path = fields.String(metadata={"description": "Only when just made: the feed's address on the portal "
                                                  "(it holds the secret, which is never shown again)."})
