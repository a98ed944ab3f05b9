"""The sandbox processor's state and test behaviours, without HTTP: tokens, authorisations, profiles.

Everything lives in memory for the process's lifetime (a restart forgets every token, charge and
profile). The behaviour of a charge is chosen by its card number (or bank account, for ACH); the
table is `CARD_BEHAVIOURS` and the README lists it. Field names and codes follow CardPointe's
Gateway API so the same adapter talks to the real processor.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

# card number → (behaviour, respcode, resptext). Anything else that passes Luhn is approved too.
CARD_BEHAVIOURS: dict[str, tuple[str, str, str]] = {
    "4111111111111111": ("approve", "00", "Approval"),
    "4788250000028291": ("approve", "00", "Approval"),
    "5454545454545454": ("approve", "00", "Approval"),
    "4000000000000002": ("decline", "05", "Do not honor"),
    "4000000000009995": ("decline", "51", "Insufficient funds"),
    "4000000000000069": ("decline", "54", "Expired card"),
    "4000000000000119": ("timeout", "00", "Approval"),
}
# ACH: the account number (after the slash in "routing/account") chooses how the debit ends. Any other
# account settles. A debit is returned before it settles (the usual R01), or after it settled (a late
# return: R10 "customer advises not authorized" may come weeks later), per these tables.
ACH_RETURNED_ACCOUNTS = {"9999000001": "R01"}
ACH_RETURNED_AFTER_SETTLEMENT_ACCOUNTS = {"9999000002": "R10"}
INVALID_AMOUNT = "Invalid amount"
VALID_ROUTING = "036001808"  # any 9 digits are accepted; this one is in the README's examples


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def expiry_passed(expiry: str, now: datetime | None = None) -> bool:
    """MMYY (or MMYYYY) before the current month; malformed counts as passed."""
    if not expiry.isdigit() or len(expiry) not in (4, 6):
        return True
    month, year = int(expiry[:2]), int(expiry[2:])
    year = year + 2000 if year < 100 else year
    if not 1 <= month <= 12:
        return True
    now = now or datetime.now(UTC)
    return (year, month) < (now.year, now.month)


def amount_string(raw: object) -> str | None:
    """CardPointe's amount: a decimal string in dollars ("12.34"); None when it is not one."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return f"{value:.2f}"


@dataclass
class Authorization:
    retref: str
    orderid: str
    merchid: str
    account: str           # masked: the token (or ACH account) with all but the last 4 digits hidden
    token: str
    amount: str
    currency: str
    respstat: str
    respcode: str
    resptext: str
    authcode: str
    kind: str              # "card" or "ach"
    created: float
    voided: bool = False
    refunded: str = "0.00"
    ach_return_code: str | None = None
    ach_late_return_code: str | None = None   # returned only after it settled (a second settle period later)
    ach_outcome: str | None = None   # "settled" / "returned" once forced through /sandbox/ach
    refund_of: str | None = None

    def setlstat(self, ach_settle_seconds: float, now: float) -> str:
        """CardPointe's settlement status words."""
        if self.respstat != "A":
            return "Rejected"
        if self.voided:
            return "Voided"
        if self.kind == "ach":
            if self.ach_outcome is None and now - self.created < ach_settle_seconds:
                return "Queued for Capture"
            if self.ach_outcome is None and self.ach_late_return_code:
                late = now - self.created >= 2 * ach_settle_seconds
                return "Rejected" if late else "Accepted"
            outcome = self.ach_outcome or ("returned" if self.ach_return_code else "settled")
            return "Accepted" if outcome == "settled" else "Rejected"
        return "Accepted"


@dataclass
class ProfileAccount:
    profileid: str
    acctid: str
    token: str
    expiry: str
    name: str
    defaultacct: str = "Y"


@dataclass
class Sandbox:
    """All the sandbox knows; every public method is safe to call from several request threads."""

    merchid: str = "800000000800"
    timeout_seconds: float = 40.0      # how long a "timeout" card keeps the caller waiting
    ach_settle_seconds: float = 30.0   # an ACH debit settles (or is returned) this long after it was made
    _secret: bytes = field(default_factory=lambda: os.urandom(16))
    _tokens: dict[str, str] = field(default_factory=dict)              # token → card number or routing/account
    _auths: list[Authorization] = field(default_factory=list)
    _profiles: dict[str, dict[str, ProfileAccount]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- CardSecure ---------------------------------------------------------------------------

    def tokenize(self, account: str) -> str:
        """`9`, the card's first two digits, 9 digits derived from the card, its last four: 16 digits,
        never the card number, the same token for the same card within this process."""
        digest = hmac.new(self._secret, account.encode(), hashlib.sha256).hexdigest()
        middle = str(int(digest, 16))[:9].rjust(9, "0")
        digits = "".join(ch for ch in account if ch.isdigit())
        token = "9" + digits[:2].rjust(2, "0") + middle + digits[-4:].rjust(4, "0")
        with self._lock:
            self._tokens[token] = account
        return token

    def detokenize(self, account: str) -> str | None:
        """A token, or a raw card number / routing/account (the REST API accepts either, like CardPointe)."""
        if len(account) == 16 and account.startswith("9") and account.isdigit():
            return self._tokens.get(account)
        return account

    # -- charges --------------------------------------------------------------------------------

    def _retref(self) -> str:
        return "".join(secrets.choice("0123456789") for _ in range(12))

    def _record(self, **fields) -> Authorization:
        auth = Authorization(retref=self._retref(), merchid=self.merchid, created=time.monotonic(), **fields)
        with self._lock:
            self._auths.append(auth)
        return auth

    def authorize(self, body: dict) -> tuple[dict, float]:
        """A PUT /auth body → (the response, seconds to wait before answering). A timeout card is
        recorded at once (so an inquiry finds it) and answered late."""
        amount = amount_string(body.get("amount"))
        orderid = str(body.get("orderid") or "")
        if amount is None:
            return error_response(INVALID_AMOUNT), 0
        account, expiry = str(body.get("account") or ""), str(body.get("expiry") or "")
        profile = str(body.get("profile") or "")
        if profile and not account:
            stored = self._profile_account(profile)
            if stored is None:
                return error_response("Profile not found", respcode="96"), 0
            account, expiry = stored.token, stored.expiry
        plain = self.detokenize(account)
        if not plain:
            return error_response("Invalid card", respcode="11"), 0
        if "/" in plain or body.get("accttype") in ("ECHK", "ESAV"):
            return self._ach(body, plain, amount, orderid), 0
        token = account if plain != account else self.tokenize(plain)
        behaviour, respcode, resptext = CARD_BEHAVIOURS.get(plain, ("approve", "00", "Approval"))
        if not luhn_ok(plain):
            behaviour, respcode, resptext = "decline", "11", "Invalid card"
        elif behaviour != "decline" and expiry_passed(expiry):
            behaviour, respcode, resptext = "decline", "54", "Expired card"
        approved = behaviour != "decline"
        auth = self._record(orderid=orderid, account=_mask(token), token=token, amount=amount,
                            currency=str(body.get("currency") or "USD"), respstat="A" if approved else "C",
                            respcode=respcode, resptext=resptext, kind="card",
                            authcode=f"{secrets.randbelow(10**6):06d}" if approved else "")
        response = {**self._auth_response(auth), "expiry": expiry}
        if approved and str(body.get("profile", "")).upper() == "Y":
            stored = self.create_profile({"account": token, "expiry": expiry, "name": body.get("name", "")})
            response.update(profileid=stored["profileid"], acctid=stored["acctid"])
        return response, self.timeout_seconds if behaviour == "timeout" else 0

    def _ach(self, body: dict, plain: str, amount: str, orderid: str) -> dict:
        routing, _, number = plain.partition("/")
        if body.get("bankaba") and "/" not in plain:  # CardPointe's own shape: routing number apart
            routing, number = str(body["bankaba"]), plain
        if not (routing.isdigit() and len(routing) == 9 and number.isdigit()):
            return error_response("Invalid bank account", respcode="11")
        auth = self._record(orderid=orderid, account=_mask(number), token=self.tokenize(f"{routing}/{number}"),
                            amount=amount, currency=str(body.get("currency") or "USD"), respstat="A",
                            respcode="00", resptext="Approval", authcode="", kind="ach",
                            ach_return_code=ACH_RETURNED_ACCOUNTS.get(number),
                            ach_late_return_code=ACH_RETURNED_AFTER_SETTLEMENT_ACCOUNTS.get(number))
        return self._auth_response(auth)

    def _auth_response(self, auth: Authorization) -> dict:
        return {"respstat": auth.respstat, "respcode": auth.respcode, "resptext": auth.resptext,
                "retref": auth.retref, "amount": auth.amount, "merchid": auth.merchid, "account": auth.account,
                "token": auth.token, "authcode": auth.authcode, "respproc": "RPCT", "commcard": "N",
                "bintype": "" if auth.kind == "ach" else "Credit", "cvvresp": "M" if auth.kind == "card" else "",
                "avsresp": "", "orderid": auth.orderid, **({"accttype": "ECHK"} if auth.kind == "ach" else {})}

    def _find(self, retref: str) -> Authorization | None:
        with self._lock:
            return next((a for a in self._auths if a.retref == retref), None)

    def void(self, body: dict) -> dict:
        auth = self._find(str(body.get("retref") or ""))
        if auth is None:
            return error_response("Txn not found", respcode="29")
        if not self._voidable(auth, auth.setlstat(self.ach_settle_seconds, time.monotonic())):
            return error_response("Txn not voidable", respcode="32", retref=auth.retref)
        auth.voided = True
        return {"respstat": "A", "respcode": "00", "resptext": "Approval", "retref": auth.retref,
                "amount": "0.00", "merchid": auth.merchid, "authcode": "REVERS", "respproc": "RPCT"}

    @staticmethod
    def _voidable(auth: Authorization, setlstat: str) -> bool:
        """A card charge until refunded (the sandbox never closes a batch); an ACH debit until it settles."""
        return (auth.respstat == "A" and not auth.voided and auth.refunded == "0.00" and auth.kind != "refund"
                and (auth.kind == "card" or setlstat == "Queued for Capture"))

    def refund(self, body: dict) -> dict:
        auth = self._find(str(body.get("retref") or ""))
        if auth is None:
            return error_response("Txn not found", respcode="29")
        amount = amount_string(body.get("amount") or auth.amount)
        if amount is None:
            return error_response(INVALID_AMOUNT)
        if auth.respstat != "A" or auth.voided:
            return error_response("Txn not refundable", respcode="33", retref=auth.retref)
        if Decimal(auth.refunded) + Decimal(amount) > Decimal(auth.amount):
            return error_response("Refund exceeds amount", respcode="33", retref=auth.retref)
        auth.refunded = f"{Decimal(auth.refunded) + Decimal(amount):.2f}"
        refund = self._record(orderid=auth.orderid, account=auth.account, token=auth.token, amount=amount,
                              currency=auth.currency, respstat="A", respcode="00", resptext="Approval",
                              authcode="", kind="refund", refund_of=auth.retref)
        return {"respstat": "A", "respcode": "00", "resptext": "Approval", "retref": refund.retref,
                "amount": amount, "merchid": auth.merchid, "respproc": "RPCT"}

    def inquire_by_orderid(self, orderid: str) -> list[dict]:
        with self._lock:
            found = [a for a in self._auths if a.orderid == orderid and a.kind != "refund"]
        return [self.inquiry(a) for a in found]

    def inquiry(self, auth: Authorization) -> dict:
        setlstat = auth.setlstat(self.ach_settle_seconds, time.monotonic())
        body = {**self._auth_response(auth), "setlstat": setlstat, "capture": "Y",
                "voidable": "Y" if self._voidable(auth, setlstat) else "N",
                "refundable": "Y" if auth.respstat == "A" and not auth.voided else "N",
                "refundamount": auth.refunded, "currency": auth.currency}
        if auth.kind == "ach" and setlstat == "Rejected":
            body["achreturncode"] = auth.ach_return_code or auth.ach_late_return_code or "R01"
        return body

    def force_ach(self, retref: str, outcome: str, code: str = "R01") -> dict | None:
        """The control endpoint: settle or return an ACH debit now."""
        auth = self._find(retref)
        if auth is None or auth.kind != "ach":
            return None
        auth.ach_outcome = outcome
        if outcome == "returned":
            auth.ach_return_code = code
        return self.inquiry(auth)

    def auths(self, orderid: str | None = None) -> list[dict]:
        with self._lock:
            chosen = [a for a in self._auths if orderid is None or a.orderid == orderid]
        return [{**asdict(a), "setlstat": a.setlstat(self.ach_settle_seconds, time.monotonic())} for a in chosen]

    # -- stored profiles ------------------------------------------------------------------------

    def _profile_account(self, profile: str) -> ProfileAccount | None:
        profileid, _, acctid = profile.partition("/")
        with self._lock:
            accounts = self._profiles.get(profileid, {})
            return accounts.get(acctid) if acctid else next(iter(accounts.values()), None)

    def create_profile(self, body: dict) -> dict:
        account, expiry = str(body.get("account") or ""), str(body.get("expiry") or "")
        plain = self.detokenize(account)
        if not plain or ("/" not in plain and not luhn_ok(plain)):
            return error_response("Invalid card", respcode="11")
        token = account if plain != account else self.tokenize(plain)
        with self._lock:
            profileid = str(body.get("profile") or "").partition("/")[0] or \
                "".join(secrets.choice("0123456789") for _ in range(20))
            accounts = self._profiles.setdefault(profileid, {})
            acctid = str(len(accounts) + 1)
            stored = ProfileAccount(profileid=profileid, acctid=acctid, token=token, expiry=expiry,
                                    name=str(body.get("name") or ""), defaultacct="Y" if not accounts else "N")
            accounts[acctid] = stored
        return {"respstat": "A", "respcode": "09", "resptext": "Profile Saved", **self._profile_fields(stored)}

    def _profile_fields(self, stored: ProfileAccount) -> dict:
        return {"profileid": stored.profileid, "acctid": stored.acctid, "token": stored.token,
                "account": _mask(stored.token), "expiry": stored.expiry, "name": stored.name,
                "defaultacct": stored.defaultacct, "merchid": self.merchid}

    def get_profile(self, profileid: str, acctid: str) -> list[dict]:
        with self._lock:
            accounts = dict(self._profiles.get(profileid, {}))
        return [self._profile_fields(a) for key, a in accounts.items() if not acctid or key == acctid]

    def delete_profile(self, profileid: str, acctid: str) -> dict:
        with self._lock:
            accounts = self._profiles.get(profileid, {})
            removed = accounts.pop(acctid, None) if acctid else (accounts and self._profiles.pop(profileid))
        if not removed:
            return error_response("Profile not found", respcode="96")
        return {"respstat": "A", "respcode": "08", "resptext": "Profile Deleted", "profileid": profileid,
                "acctid": acctid, "merchid": self.merchid}


def _mask(account: str) -> str:
    return "*" * max(len(account) - 4, 0) + account[-4:]


def error_response(resptext: str, *, respcode: str = "12", **extra) -> dict:
    return {"respstat": "C", "respcode": respcode, "resptext": resptext, "respproc": "PPS", **extra}
