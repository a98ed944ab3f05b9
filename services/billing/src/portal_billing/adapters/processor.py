"""The payment processor port: the one way billing moves money, in CardPointe's REST shape.

`AbstractProcessor` is what billing's service layer calls; `CardPointeProcessor` speaks CardPointe's
Gateway API (dev and tests: the payment sandbox in deploy/payment-sandbox; production: the real
processor, chosen by `PAYMENT_PROCESSOR_URL`); `FakeProcessor` answers from memory for unit tests.
Amounts cross the port in cents; the processor's decimal dollar strings stay in this module.

A money-moving call (charge, ACH debit, void, refund) is sent exactly once: the HTTP pool never
retries and neither does this module, because a retry after a lost answer could charge twice.
A call whose answer is lost comes back `Unknown`; the caller resolves it by `inquire(order_id)`
(see service_layer/charging.py). Only `inquire`, which moves nothing, is retried.
"""
from __future__ import annotations

import abc
import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from portal_shared.config import InsecureConfiguration, env_bool, env_float, env_str
from portal_shared.http_client import pooled_session

log = logging.getLogger(__name__)

# What `make run` and the tests use: the sandbox's public credentials, never accepted outside dev mode.
DEV_PROCESSOR_URL = "http://127.0.0.1:8027/cardconnect/rest"
DEV_MERCHANT_ID = "800000000800"
DEV_USERNAME = "testing"
DEV_PASSWORD = "testing123"

# CardPointe's respcodes (respproc PPS and the card networks) put in words a customer can act on.
PLAIN_DECLINES = {
    "05": "Your card was declined. Try another card.",
    "51": "Your card was declined for insufficient funds.",
    "54": "Your card has expired. Please use another card.",
    "11": "That card number is not valid.",
    "96": "That saved payment method no longer exists.",
}
DEFAULT_DECLINE = "The payment could not be completed. Please try another payment method."


# -- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Approved:
    """The processor took the money (or, for void/refund, gave it back)."""
    retref: str
    amount_cents: int
    authcode: str = ""
    token: str = ""


@dataclass(frozen=True)
class Declined:
    """The processor said no; `message` is for the customer, `code`/`processor_text` for the log."""
    message: str
    code: str = ""
    processor_text: str = ""


@dataclass(frozen=True)
class Pending:
    """An ACH debit the processor accepted; it settles or is returned days later (`inquire` tells)."""
    retref: str
    amount_cents: int


@dataclass(frozen=True)
class Unknown:
    """No answer (timeout, broken connection, 5xx): the processor may or may not have acted."""
    reason: str


Outcome = Approved | Declined | Pending | Unknown
TransactionStatus = Literal["approved", "declined", "voided", "pending", "settled", "returned"]


@dataclass(frozen=True)
class Transaction:
    """What the processor holds for an order id."""
    retref: str
    order_id: str
    amount_cents: int
    status: TransactionStatus
    return_code: str | None = None   # ACH returns: R01 (insufficient funds), R02, ...
    message: str = ""


@dataclass(frozen=True)
class StoredProfile:
    profile_id: str
    account_id: str
    token: str


class ProcessorUnavailable(Exception):
    """An inquiry could not reach the processor after its retries; try again later."""


class ProcessorMisconfigured(Exception):
    """The processor refused our credentials or merchant id: an operator must act, retrying won't help."""


# -- the port --------------------------------------------------------------------------------------

class AbstractProcessor(abc.ABC):
    @abc.abstractmethod
    def authorize_capture(self, *, order_id: str, amount_cents: int, token: str | None = None,
                          expiry: str | None = None, profile: str | None = None) -> Outcome:
        """Charge a card token (with its MMYY expiry) or a stored profile ("profileid/acctid") once."""

    @abc.abstractmethod
    def ach_debit(self, *, order_id: str, amount_cents: int, routing: str = "", account: str = "",
                  account_type: Literal["ECHK", "ESAV"] = "ECHK", name: str = "", token: str = "") -> Outcome:
        """Debit a bank account (its routing and account numbers, or CardSecure's token of "routing/account");
        an accepted debit is `Pending` until `inquire` says settled or returned."""

    @abc.abstractmethod
    def void(self, *, retref: str) -> Outcome:
        """Cancel a charge before it settles."""

    @abc.abstractmethod
    def refund(self, *, retref: str, amount_cents: int) -> Outcome:
        """Give back part or all of a settled charge; an `Approved` carries the refund's own retref."""

    @abc.abstractmethod
    def inquire(self, order_id: str) -> Transaction | None:
        """The processor's record of an order, or None if it has none; raises ProcessorUnavailable."""

    @abc.abstractmethod
    def create_profile(self, *, token: str, expiry: str, name: str = "") -> StoredProfile | Declined:
        """Store a tokenized card for later charges."""

    @abc.abstractmethod
    def delete_profile(self, *, profile_id: str, account_id: str) -> bool:
        """Forget a stored card; False if the processor did not have it."""

    @abc.abstractmethod
    def tokenize_bank_account(self, *, routing: str, account: str) -> str:
        """CardSecure's token for "routing/account" (ACH debits then send the token, never the numbers);
        raises ProcessorUnavailable when it cannot be had."""


# -- configuration -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProcessorSettings:
    url: str = DEV_PROCESSOR_URL
    merchant_id: str = DEV_MERCHANT_ID
    username: str = DEV_USERNAME
    password: str = field(default=DEV_PASSWORD, repr=False)
    connect_timeout: float = 5.0
    # CardPointe answers an authorisation within about 30 s or not at all; past this, `Unknown`.
    read_timeout: float = 35.0

    @classmethod
    def from_env(cls, dev_mode: bool | None = None) -> "ProcessorSettings":
        """PAYMENT_PROCESSOR_*; outside dev mode the URL must be set and the sandbox's password refuses to start."""
        dev_mode = env_bool("PORTAL_DEV", False) if dev_mode is None else dev_mode
        url = os.environ.get("PAYMENT_PROCESSOR_URL") or (DEV_PROCESSOR_URL if dev_mode else "")
        password = env_str("PAYMENT_PROCESSOR_PASSWORD", DEV_PASSWORD if dev_mode else "")
        if not dev_mode:
            if not url:
                raise InsecureConfiguration("PAYMENT_PROCESSOR_URL is not set; point it at the processor "
                                            "(or PORTAL_DEV=true on a developer machine for the sandbox).")
            # The processor issues this password, so its length is not ours to demand; only the public one is refused.
            if not password or password == DEV_PASSWORD:
                raise InsecureConfiguration("PAYMENT_PROCESSOR_PASSWORD is unset or the sandbox's public password; "
                                            "set the processor's (or PORTAL_DEV=true on a developer machine).")
        return cls(url=url.rstrip("/"), merchant_id=env_str("PAYMENT_PROCESSOR_MERCHANT_ID", DEV_MERCHANT_ID),
                   username=env_str("PAYMENT_PROCESSOR_USERNAME", DEV_USERNAME), password=password,
                   connect_timeout=env_float("PAYMENT_PROCESSOR_CONNECT_TIMEOUT", cls.connect_timeout),
                   read_timeout=env_float("PAYMENT_PROCESSOR_READ_TIMEOUT", cls.read_timeout))


# -- CardPointe ---------------------------------------------------------------------------------------

def to_amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def to_cents(amount: object) -> int:
    try:
        return int((Decimal(str(amount)) * 100).to_integral_value())
    except (InvalidOperation, ValueError):
        return 0


def plain_decline(code: str, processor_text: str) -> Declined:
    return Declined(message=PLAIN_DECLINES.get(code, DEFAULT_DECLINE), code=code, processor_text=processor_text)


class _Unanswered(Exception):
    """Transport-level failure of an inquiry: worth another try."""


class CardPointeProcessor(AbstractProcessor):
    def __init__(self, settings: ProcessorSettings, session: requests.Session | None = None,
                 inquiry_attempts: int = 3, inquiry_wait_seconds: float = 0.5):
        self.settings = settings
        self.session = session or pooled_session(pool_maxsize=8)
        self.session.auth = (settings.username, settings.password)
        self.inquiry_attempts = inquiry_attempts
        self.inquiry_wait_seconds = inquiry_wait_seconds

    @property
    def _timeout(self) -> tuple[float, float]:
        return (self.settings.connect_timeout, self.settings.read_timeout)

    def _send_once(self, path: str, body: dict) -> dict | Unknown:
        """PUT a money-moving call exactly once."""
        try:
            response = self.session.put(f"{self.settings.url}/{path}", json={"merchid": self.settings.merchant_id,
                                                                              **body}, timeout=self._timeout)
        except requests.Timeout:
            return Unknown("timeout")
        except requests.RequestException as exc:
            return Unknown(f"connection failed: {type(exc).__name__}")
        return self._json(response)

    def _json(self, response: requests.Response) -> dict | Unknown:
        if response.status_code in (401, 403):
            raise ProcessorMisconfigured(f"the processor refused our credentials ({response.status_code})")
        if response.status_code >= 500:
            return Unknown(f"processor answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            return Unknown(f"processor answered {response.status_code} without JSON")
        if isinstance(data, dict) and data.get("respstat") == "C" and "merchant" in str(data.get("resptext", "")).lower():
            raise ProcessorMisconfigured(f"the processor does not know merchant {self.settings.merchant_id}")
        return data

    @staticmethod
    def _outcome(data: dict | Unknown, amount_cents: int | None = None) -> Outcome:
        if isinstance(data, Unknown):
            return data
        respstat = data.get("respstat")
        if respstat == "A":
            amount = to_cents(data["amount"]) if amount_cents is None and "amount" in data else amount_cents or 0
            return Approved(retref=str(data.get("retref", "")), amount_cents=amount,
                            authcode=str(data.get("authcode", "")), token=str(data.get("token", "")))
        if respstat == "B":  # "retry": the processor did not decide; nothing was charged
            return Declined(message=DEFAULT_DECLINE, code=str(data.get("respcode", "")),
                            processor_text=str(data.get("resptext", "")))
        return plain_decline(str(data.get("respcode", "")), str(data.get("resptext", "")))

    def authorize_capture(self, *, order_id, amount_cents, token=None, expiry=None, profile=None):
        if (token is None) == (profile is None):
            raise ValueError("charge either a token (with its expiry) or a stored profile")
        body = {"orderid": order_id, "amount": to_amount(amount_cents), "currency": "USD", "capture": "Y",
                "ecomind": "E"}
        body.update({"account": token, "expiry": expiry} if token else {"profile": profile})
        return self._outcome(self._send_once("auth", body), amount_cents)

    def ach_debit(self, *, order_id, amount_cents, routing="", account="", account_type="ECHK", name="", token=""):
        if bool(token) == bool(routing or account):
            raise ValueError("debit either a token or a routing and account number")
        bank = {"account": token} if token else {"account": account, "bankaba": routing}
        outcome = self._outcome(self._send_once("auth", {
            "orderid": order_id, "amount": to_amount(amount_cents), "currency": "USD", "capture": "Y",
            "accttype": account_type, "name": name, "ecomind": "E", **bank}), amount_cents)
        return Pending(outcome.retref, outcome.amount_cents) if isinstance(outcome, Approved) else outcome

    def void(self, *, retref):
        return self._outcome(self._send_once("void", {"retref": retref}))

    def refund(self, *, retref, amount_cents):
        return self._outcome(self._send_once("refund", {"retref": retref, "amount": to_amount(amount_cents)}),
                             amount_cents)

    def inquire(self, order_id):
        url = f"{self.settings.url}/inquireByOrderid/{order_id}/{self.settings.merchant_id}"

        def once() -> dict | list:
            try:
                response = self.session.get(url, timeout=self._timeout)
            except requests.RequestException as exc:
                raise _Unanswered(type(exc).__name__) from exc
            data = self._json(response)
            if isinstance(data, Unknown):
                raise _Unanswered(data.reason)
            return data

        try:
            data = Retrying(retry=retry_if_exception_type(_Unanswered), stop=stop_after_attempt(self.inquiry_attempts),
                            wait=wait_exponential(multiplier=self.inquiry_wait_seconds, max=10), reraise=True)(once)
        except _Unanswered as exc:
            raise ProcessorUnavailable(f"inquiry for order {order_id} got no answer: {exc}") from exc
        records = data if isinstance(data, list) else [data]
        records = [r for r in records if r.get("retref")]  # "Txn not found" carries none
        if not records:
            return None
        # Several records for one order id: the approved one wins (a retry that was declined does not hide it).
        record = next((r for r in records if r.get("respstat") == "A" and r.get("setlstat") != "Voided"), records[-1])
        return Transaction(retref=str(record["retref"]), order_id=order_id, amount_cents=to_cents(record.get("amount")),
                           status=_status(record), return_code=record.get("achreturncode"),
                           message=str(record.get("resptext", "")))

    def create_profile(self, *, token, expiry, name=""):
        data = self._send_once("profile", {"account": token, "expiry": expiry, "name": name, "profileupdate": "N"})
        if isinstance(data, Unknown):
            # Storing a card moves no money: an unanswered call is reported like a decline, and trying again is safe.
            return Declined(message="The card could not be saved right now. Please try again.", code="",
                            processor_text=data.reason)
        if data.get("respstat") != "A":
            return plain_decline(str(data.get("respcode", "")), str(data.get("resptext", "")))
        return StoredProfile(profile_id=str(data["profileid"]), account_id=str(data["acctid"]),
                             token=str(data.get("token", "")))

    def delete_profile(self, *, profile_id, account_id):
        try:
            response = self.session.delete(
                f"{self.settings.url}/profile/{profile_id}/{account_id}/{self.settings.merchant_id}",
                timeout=self._timeout)
        except requests.RequestException as exc:
            raise ProcessorUnavailable(f"deleting profile {profile_id}: {type(exc).__name__}") from exc
        data = self._json(response)
        if isinstance(data, Unknown):
            raise ProcessorUnavailable(f"deleting profile {profile_id}: {data.reason}")
        return data.get("respstat") == "A"


    def tokenize_bank_account(self, *, routing, account):
        # CardSecure sits beside the Gateway API on the processor's host.
        url = f"{self.settings.url.removesuffix('/cardconnect/rest')}/cardsecure/api/v1/ccn/tokenize"
        try:
            response = self.session.post(url, json={"account": f"{routing}/{account}"}, timeout=self._timeout)
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProcessorUnavailable(f"tokenizing a bank account: {type(exc).__name__}") from exc
        token = str(data.get("token") or "") if isinstance(data, dict) else ""
        if response.status_code != 200 or not token or data.get("errorcode") not in (0, "0", None):
            raise ProcessorUnavailable(f"tokenizing a bank account: {response.status_code} {data!r:.100}")
        return token


def _status(record: dict) -> TransactionStatus:
    setlstat = str(record.get("setlstat", ""))
    if record.get("respstat") != "A":
        return "declined"
    if setlstat == "Voided":
        return "voided"
    if record.get("accttype") in ("ECHK", "ESAV") or "achreturncode" in record:  # an ACH debit
        return {"Accepted": "settled", "Rejected": "returned"}.get(setlstat, "pending")
    return "approved"


# -- the fake ----------------------------------------------------------------------------------------

@dataclass
class FakeProcessor(AbstractProcessor):
    """In memory: every charge approved unless its token is in `declines` (token → respcode); the next
    money-moving calls answer the `unknown` queue first (each entry: True = recorded anyway, like a
    processor that acted but whose answer was lost; False = never arrived)."""

    declines: dict[str, str] = field(default_factory=dict)
    unknown: list[bool] = field(default_factory=list)
    transactions: dict[str, Transaction] = field(default_factory=dict)     # order id → the latest
    calls: list[tuple[str, str]] = field(default_factory=list)            # (operation, order id or retref)
    profiles: dict[str, StoredProfile] = field(default_factory=dict)
    inquiry_failures: int = 0
    _next: int = 100000000000

    def _retref(self) -> str:
        self._next += 1
        return str(self._next)

    def _record(self, order_id: str, amount_cents: int, status: TransactionStatus, message: str = "") -> Transaction:
        transaction = Transaction(retref=self._retref(), order_id=order_id, amount_cents=amount_cents, status=status,
                                  message=message)
        self.transactions[order_id] = transaction
        return transaction

    def authorize_capture(self, *, order_id, amount_cents, token=None, expiry=None, profile=None):
        self.calls.append(("authorize_capture", order_id))
        code = self.declines.get(token or profile or "")
        lost = self.unknown.pop(0) if self.unknown else None
        if lost is False:
            return Unknown("timeout")
        if code:
            self._record(order_id, amount_cents, "declined", code)
            return plain_decline(code, code) if lost is None else Unknown("timeout")
        transaction = self._record(order_id, amount_cents, "approved")
        return Approved(transaction.retref, amount_cents) if lost is None else Unknown("timeout")

    def ach_debit(self, *, order_id, amount_cents, routing="", account="", account_type="ECHK", name="", token=""):
        self.calls.append(("ach_debit", order_id))
        transaction = self._record(order_id, amount_cents, "pending")
        return Pending(transaction.retref, amount_cents)

    def _by_retref(self, retref: str) -> Transaction | None:
        return next((t for t in self.transactions.values() if t.retref == retref), None)

    def void(self, *, retref):
        self.calls.append(("void", retref))
        found = self._by_retref(retref)
        if found is None or found.status not in ("approved", "pending"):
            return plain_decline("32", "Txn not voidable")
        self.transactions[found.order_id] = Transaction(found.retref, found.order_id, found.amount_cents, "voided")
        return Approved(retref, 0)

    def refund(self, *, retref, amount_cents):
        self.calls.append(("refund", retref))
        found = self._by_retref(retref)
        if found is None or found.status not in ("approved", "settled"):
            return plain_decline("33", "Txn not refundable")
        return Approved(self._retref(), amount_cents)

    def inquire(self, order_id):
        self.calls.append(("inquire", order_id))
        if self.inquiry_failures:
            self.inquiry_failures -= 1
            raise ProcessorUnavailable("fake: no answer")
        return self.transactions.get(order_id)

    def settle_ach(self, order_id: str, return_code: str | None = None) -> None:
        found = self.transactions[order_id]
        self.transactions[order_id] = Transaction(found.retref, order_id, found.amount_cents,
                                                  "returned" if return_code else "settled", return_code)

    def create_profile(self, *, token, expiry, name=""):
        if token in self.declines:
            return plain_decline(self.declines[token], "")
        stored = StoredProfile(profile_id=str(len(self.profiles) + 1).rjust(20, "0"), account_id="1", token=token)
        self.profiles[stored.profile_id] = stored
        return stored

    def delete_profile(self, *, profile_id, account_id):
        return self.profiles.pop(profile_id, None) is not None

    def tokenize_bank_account(self, *, routing, account):
        return "9" + routing[:2] + str(abs(hash((routing, account))))[:9].rjust(9, "0") + account[-4:]
