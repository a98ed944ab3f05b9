"""The customer portal's frame (seeds 002/003): the side menu's Property Filter, Current Balance and
section links, and the Home cards, built from identity's GET /customer/me, the services' summaries
and the branch's settings (what is switched off is neither in the menu nor on the cards).

The filter's selection lives in Flask's signed session cookie, tied to the customer and the
branch, and is checked against the customer's properties on every page: a property they lost
access to drops out, and an empty selection means All Properties.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, session

from portal_shared.access.schemas import MAX_REQUESTED_PROPERTIES
from portal_shared.money import dollars
from portal_web.adapters.summaries import count
from portal_web.branding import Branding

FILTER_KEY = "property_filter"
MAX_SELECTED = MAX_REQUESTED_PROPERTIES  # the most property_id the services' summaries take
ALL_PROPERTIES = "All Properties"


@dataclass(frozen=True)
class Section:
    key: str          # also the show_<key> setting
    label: str
    path: str
    service: str      # the service whose GET /summary feeds its card
    card_label: str
    card_key: str     # the summary's count for the card
    empty: str


SECTIONS = (
    Section("requests", "Requests", "/requests", "requests", "Pending Requests", "pending_requests",
            "No requests yet for the selected properties."),
    Section("proposals", "Proposals", "/proposals", "proposals", "Pending Proposals", "pending_proposals",
            "No proposals yet for the selected properties."),
    Section("visits", "Visits", "/visits", "visits", "Upcoming Visits", "upcoming_visits",
            "No visits yet for the selected properties."),
    Section("invoices", "Invoices", "/invoices", "billing", "Invoices Due", "invoices_due",
            "No invoices yet for the selected properties."),
)
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}
CARD_ORDER = ("visits", "invoices", "proposals", "requests")  # as the seeds' Home shows them


@dataclass(frozen=True)
class Card:
    label: str
    value: int | None          # None: the service did not answer ("Unavailable right now")
    path: str
    key: str


@dataclass
class Shell:
    me: dict
    properties: list[dict]
    selected_ids: list[str]
    all_selected: bool
    sections: list[Section]
    current: str
    show_balance: bool
    balance_cents: int | None
    cards: list[Card] = field(default_factory=list)

    @property
    def filter_label(self) -> str:
        if self.all_selected:
            return ALL_PROPERTIES
        names = [p.get("name") or "" for p in self.properties if str(p.get("property_id")) in self.selected_ids]
        return names[0] if len(names) == 1 else f"{len(names)} properties"

    @property
    def balance(self) -> str | None:
        return dollars(self.balance_cents) if self.balance_cents is not None else None


def us_date(value) -> str:
    """An ISO date ("2024-11-26") as the seeds show dates: 11/26/2024; anything else as it came."""
    text = str(value or "")
    parts = text[:10].split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[1]}/{parts[2]}/{parts[0]}"
    return text


def property_ids(me: dict) -> list[str]:
    return [str(p["property_id"]) for p in me.get("properties") or [] if isinstance(p, dict) and p.get("property_id")]


def _owner() -> tuple[str, str]:
    identity = g.get("identity") or {}
    return str(identity.get("account_id") or ""), str(identity.get("branch_id") or "")


def saved_selection() -> list[str]:
    """The properties this session's Property Filter holds, as stored (not yet checked against the account)."""
    saved = session.get(FILTER_KEY)
    if not isinstance(saved, dict) or (saved.get("account"), saved.get("branch")) != _owner():
        return []
    return [str(i) for i in saved.get("ids") or [] if isinstance(i, str)][:MAX_SELECTED]


def stored_selection(me: dict) -> list[str]:
    """The selected properties still among the customer's; [] means All Properties."""
    wanted = set(saved_selection())
    if not wanted:
        return []
    selected = [i for i in property_ids(me) if i in wanted]
    return [] if len(selected) == len(property_ids(me)) else selected


def store_selection(me: dict, requested: list[str]) -> list[str]:
    """Keep the requested properties that are the customer's; all or none of them is All Properties."""
    wanted = set(requested[:MAX_SELECTED])
    selected = [i for i in property_ids(me) if i in wanted]
    if not selected or len(selected) == len(property_ids(me)):
        session.pop(FILTER_KEY, None)
        return []
    account, branch = _owner()
    session[FILTER_KEY] = {"account": account, "branch": branch, "ids": selected}
    return selected


def visible_sections(branding: Branding) -> list[Section]:
    return [s for s in SECTIONS if branding.shows(s.key)]


def services_for(branding: Branding, *, current: str) -> list[str]:
    """Whose summary this page needs: billing for the balance; on Home every visible card's; else its own."""
    wanted = []
    if branding.shows("invoices"):
        wanted.append("billing")
    for section in visible_sections(branding):
        if current == "home" or current == section.key:
            wanted.append(section.service)
    return list(dict.fromkeys(wanted))


def build_shell(me: dict, branding: Branding, *, current: str, selected: list[str],
                summaries: dict[str, dict | None]) -> Shell:
    sections = visible_sections(branding)
    cards = []
    if current == "home":
        for key in CARD_ORDER:
            section = SECTIONS_BY_KEY[key]
            if section in sections:
                cards.append(Card(section.card_label, count(summaries.get(section.service), section.card_key),
                                  section.path, section.key))
    billing = summaries.get("billing")
    balance = (billing or {}).get("current_balance_cents")
    if isinstance(balance, bool) or not isinstance(balance, int):
        balance = None
    return Shell(me=me, properties=[p for p in me.get("properties") or [] if isinstance(p, dict)],
                 selected_ids=selected, all_selected=not selected, sections=sections, current=current,
                 show_balance=branding.shows("invoices"), balance_cents=balance, cards=cards)


# -- the preview's sample customer (the seeds' example data) ---------------------------------------

SAMPLE_ME = {
    "contact_id": "sample", "first_name": "Camilla", "last_name": "Sailor", "email": "camilla@example.com",
    "properties": [
        {"property_id": "sample-1", "name": "Camilla's Oasis", "street": "112 Clark St", "city": "St. Louis",
         "state": "Missouri", "zip": "63101", "roles": ["Primary Contact"]},
        {"property_id": "sample-2", "name": "First Bank", "street": "400 Market St", "city": "St. Louis",
         "state": "Missouri", "zip": "63102", "roles": ["Billing Contact"]},
        {"property_id": "sample-3", "name": "Three Tails", "street": "9 Tail Ln", "city": "Columbia",
         "state": "Illinois", "zip": "62236", "roles": ["Primary Contact"]},
        {"property_id": "sample-4", "name": "Tar Valon Towers", "street": "515 Warnock", "city": "Columbia",
         "state": "Illinois", "zip": "62236", "roles": ["Primary Contact"]},
    ],
}
SAMPLE_SUMMARIES = {
    "billing": {"current_balance_cents": 23870, "invoices_due": 1},
    "visits": {"upcoming_visits": 30},
    "proposals": {"pending_proposals": 0},
    "requests": {"pending_requests": 0},
}
