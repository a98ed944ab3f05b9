"""proposals' emails to the sales rep, drafted from its events without I/O (issue 9, parts 5 and 6):

- `proposal_signed`: "Camilla Ortiz signed proposal #88 and added Irrigation Audit", with the optional
  services chosen and the new total; a change order (version 2 or later) says so in the subject and body.
- `proposal_declined` / `proposal_changes_requested`: "Camilla Ortiz declined proposal #95" / "… asked for
  changes to proposal #95", with their comment.

No rep, or a rep without an email address, gets nothing (None): the back office still hears by webhook.
"""
from __future__ import annotations

from typing import Any

from portal_notifications.domain.emails import EmailDraft, _one_line, _subject, mailbox, parse_time, time_in_words
from portal_shared.money import dollars

PROPOSAL_SIGNED = "proposal_signed"
PROPOSAL_DECLINED = "proposal_declined"
PROPOSAL_CHANGES_REQUESTED = "proposal_changes_requested"
RESPONSE_WORDS = {PROPOSAL_DECLINED: ("declined", "Declined"),
                  PROPOSAL_CHANGES_REQUESTED: ("asked for changes to", "Changes Requested")}


def _rep(data: dict[str, Any]) -> tuple[str, str] | None:
    rep = data.get("sales_rep") or {}
    email = (rep.get("email") or "").strip()
    return (_one_line(rep.get("name") or ""), email) if email else None


def _and(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _proposal(data: dict[str, Any]) -> str:
    number = _one_line(str(data.get("number") or ""))
    if data.get("change_order"):
        return f"change order (version {data.get('version')}) of proposal #{number}"
    return f"proposal #{number}"


def proposal_signed_email(data: dict[str, Any]) -> EmailDraft | None:
    """To the rep: who signed which proposal, the optional services they added, the new total."""
    rep = _rep(data)
    if rep is None:
        return None
    signer = _one_line(data.get("signer_name") or "The customer")
    chosen = [{"name": _one_line(o.get("name") or ""), "amount": dollars(int(o.get("amount_cents") or 0))}
              for o in data.get("chosen_optional_services") or [] if isinstance(o, dict)]
    subject = f"{signer} signed {_proposal(data)}"
    if chosen:
        subject += f" and added {_and([c['name'] for c in chosen])}"
    return EmailDraft(
        template=PROPOSAL_SIGNED, to_address=mailbox(rep[0], rep[1]), subject=_subject(subject),
        context={"to_name": rep[0], "headline": subject, "signer": signer,
                 "number": _one_line(str(data.get("number") or "")), "name": _one_line(data.get("name") or ""),
                 "change_order": bool(data.get("change_order")), "version": data.get("version"),
                 "price": dollars(int(data.get("price_cents") or 0)), "chosen": chosen,
                 "total": dollars(int(data.get("total_cents") or 0)),
                 "signed_at": time_in_words(parse_time(data["signed_at"]))})


def proposal_response_email(event_type: str, data: dict[str, Any]) -> EmailDraft | None:
    """To the rep: who declined (or asked to change) which proposal, and their comment."""
    rep = _rep(data)
    if rep is None:
        return None
    verb, status = RESPONSE_WORDS[event_type]
    who = _one_line(data.get("contact_name") or "The customer")
    subject = f"{who} {verb} proposal #{_one_line(str(data.get('number') or ''))}"
    return EmailDraft(
        template=event_type, to_address=mailbox(rep[0], rep[1]), subject=_subject(subject),
        context={"to_name": rep[0], "headline": subject, "status": status, "who": who,
                 "who_email": (data.get("contact_email") or "").strip(),
                 "number": _one_line(str(data.get("number") or "")), "name": _one_line(data.get("name") or ""),
                 "version": data.get("version"), "property_name": _one_line(data.get("property_name") or ""),
                 "price": dollars(int(data.get("price_cents") or 0)), "comment": (data.get("comment") or "").strip(),
                 "responded_at": time_in_words(parse_time(data["responded_at"]))})
