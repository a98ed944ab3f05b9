"""Select & Sign and its evidence, on the real app, PostgreSQL and a real dev seal key: a Primary or Billing
contact signs a proposal's newest version once (a double click, two contacts at once: one signature, the
other told it is already signed); the audit trail is append-only; the sealed PDF verifies, and a PDF with
one byte changed does not."""
from __future__ import annotations

import base64
import hashlib
import io
import threading

import pytest
import sqlalchemy as sa

from portal_proposals.adapters.pdf_seal import PdfSealer, SealSettings, write_dev_seal_files
from portal_proposals.service_layer.directory import DIRECTORY_HANDLERS
from portal_shared.events import make_event
from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem, new_id

from .conftest import put_proposal

CLIENT_IP = "203.0.113.9"
BROWSER = "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36"
# A 1×1 PNG: the smallest drawing the pad can send.
DOT = "data:image/png;base64," + base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a5d1c5a40000000049454e44ae426082")).decode()


@pytest.fixture(scope="module", autouse=True)
def seal_keys(tmp_path_factory):
    """The dev seal key pair `make run` makes, named by PROPOSALS_SEAL_* as production names its own."""
    env = write_dev_seal_files(tmp_path_factory.mktemp("seal"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


@pytest.fixture
def contacts(db):
    """contact(id, first, last): identity's contact_upserted, applied by proposals.directory."""
    def contact(contact_id: str, first: str, last: str, email: str | None = None):
        data = {"contact_id": contact_id, "email": email or f"{first.lower()}@example.com", "first_name": first,
                "last_name": last, "verified": True, "revision": 1, "external_id": None}
        with db.unit_of_work() as session:
            DIRECTORY_HANDLERS["contact_upserted"](session, make_event("contact_upserted", data, tenant_id=TENANT))
    return contact


@pytest.fixture
def signing(app_client, back_office, known, contacts, customer_headers, proposal_88, grant):
    """#88 sent to P1, where ME is Primary, BILLER Billing and OTHER an Other contact."""
    w = dict(known)
    w["biller"] = new_id()
    grant(TENANT, BRANCH, w["p1"], {w["me"]: ["Primary"], w["other"]: ["Other"], w["biller"]: ["Billing"]},
          revision=2)
    contacts(w["me"], "Camilla", "Sailor")
    contacts(w["biller"], "Bill", "Payer")
    contacts(w["other"], "April", "Showers")
    assert put_proposal(app_client, back_office(), "crm-88", proposal_88).status_code == 200
    row = app_client.get("/proposals", headers=customer_headers(TENANT, BRANCH, w["me"])).get_json()[0]
    w["id"] = row["id"]
    return w


def as_(headers, contact_id):
    return {**headers(tenant_id=TENANT, branch_id=BRANCH, account_kind="customer", account_id=contact_id,
                      session_tenant_id=TENANT, client_ip=CLIENT_IP),
            "X-Portal-Client-User-Agent": BROWSER}


def signature(**changes):
    return {"version": 1, "optional_services": ["Irrigation Audit"], "consent_version": "2026-11", "consent_accepted": True,
            "mark_kind": "drawn", "mark": DOT, **changes}


def sealer(env) -> PdfSealer:
    return PdfSealer(SealSettings.from_env(env))


def test_camilla_signs_88_with_the_irrigation_audit_and_the_total_becomes_44929_33(
        app_client, headers, signing, db, seal_keys):
    me = as_(headers, signing["me"])
    sheet = app_client.get(f"/proposals/{signing['id']}/signing?showing=true", headers=me).get_json()
    assert sheet["number"] == "88" and sheet["may_sign"] is True and sheet["signature"] is None
    assert [o["name"] for o in sheet["optional_services"]] == ["Seasonal Color Rotation", "Irrigation Audit"]
    assert sheet["consent"]["version"] == "2026-11" and "ESIGN" in sheet["consent"]["text"]

    response = app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me)
    assert response.status_code == 201, response.get_json()
    signed = response.get_json()
    assert signed["total_cents"] == 4_492_933 and signed["signer_name"] == "Camilla Sailor"
    assert signed["chosen_optional_services"] == [{"name": "Irrigation Audit", "amount_cents": 35000}]

    detail = app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()
    assert detail["status"] == "Accepted" and detail["may_sign"] is False

    pdf = app_client.get(f"/proposals/{signing['id']}/signed.pdf", headers=me)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert sealer(seal_keys).check(pdf.data).good
    with db.unit_of_work() as session:
        event = session.execute(sa.text("SELECT payload FROM outbox WHERE event_type = 'proposal_signed'")).scalar_one()
        stored = session.execute(sa.text("SELECT signed_pdf_sha256, client_address, user_agent FROM proposal_signatures"
                                         )).one()
    data = event["data"]
    assert (data["number"], data["total_cents"], data["price_cents"], data["change_order"]) == ("88", 4_492_933,
                                                                                               4_457_933, False)
    assert data["chosen_optional_services"] == [{"name": "Irrigation Audit", "amount_cents": 35000}]
    assert data["sales_rep"] == {"name": "Camilla Sailor", "email": "cseiler@example.com"}
    assert data["signed_pdf_sha256"] == stored.signed_pdf_sha256 and (stored.client_address, stored.user_agent) == (
        CLIENT_IP, BROWSER)


def test_the_audit_trail_records_each_step_with_time_signer_address_and_browser(app_client, headers, signing, db):
    me = as_(headers, signing["me"])
    app_client.get(f"/proposals/{signing['id']}/signing?showing=true", headers=me)
    app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me)
    with db.unit_of_work() as session:
        rows = session.execute(sa.text(
            "SELECT kind, contact_id, client_address, user_agent, occurred_at, details FROM proposal_audit_events "
            "WHERE proposal_id = :p ORDER BY id"), {"p": signing["id"]}).all()
    assert [r.kind for r in rows] == ["sent", "consent_shown", "consent_accepted", "optional_services_chosen", "signed"]
    rows = rows[1:]  # the customer's (sent is the back office's, with no client)
    assert {(str(r.contact_id), r.client_address, r.user_agent) for r in rows} == {(signing["me"], CLIENT_IP, BROWSER)}
    assert all(r.occurred_at.utcoffset() is not None for r in rows)
    assert rows[1].details["consent_version"] == "2026-11" and len(rows[1].details["consent_sha256"]) == 64
    assert rows[2].details == {"optional_services": [{"name": "Irrigation Audit", "amount_cents": 35000}],
                               "total_cents": 4_492_933}


def test_the_audit_trail_refuses_update_and_delete(app_client, headers, signing, db):
    app_client.get(f"/proposals/{signing['id']}/signing?showing=true", headers=as_(headers, signing["me"]))
    for statement in ("UPDATE proposal_audit_events SET client_address = '10.0.0.1'",
                      "DELETE FROM proposal_audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.unit_of_work() as session:
                session.execute(sa.text(statement))
    with db.unit_of_work() as session:
        assert session.execute(sa.text("SELECT client_address FROM proposal_audit_events ORDER BY id")
                               ).scalars().all() == [None, CLIENT_IP]


def test_only_primary_and_billing_contacts_can_sign(app_client, headers, signing, db):
    april = as_(headers, signing["other"])
    sheet = app_client.get(f"/proposals/{signing['id']}/signing?showing=true", headers=april).get_json()
    assert sheet["may_sign"] is False
    assert_problem(app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=april),
                   403, "may_not_sign")
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_signatures")) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_audit_events WHERE kind <> 'sent'")) == 0


def test_signing_twice_tells_the_second_it_is_already_signed(app_client, headers, signing):
    me, biller = as_(headers, signing["me"]), as_(headers, signing["biller"])
    assert app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me).status_code == 201
    assert_problem(app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me),
                   409, "already_signed")
    assert_problem(app_client.post(f"/proposals/{signing['id']}/signature",
                                   json=signature(optional_services=[]), headers=biller), 409, "already_signed")
    sheet = app_client.get(f"/proposals/{signing['id']}/signing", headers=biller).get_json()
    assert sheet["signature"]["signer_name"] == "Camilla Sailor" and sheet["may_sign"] is False


def test_concurrent_signatures_yield_exactly_one(app_client, headers, signing, db):
    """Eight requests at once — a double click, two tabs, two contacts — one 201, seven 409 already_signed."""
    signers = [signing["me"], signing["biller"]] * 4
    barrier = threading.Barrier(len(signers))
    statuses: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def sign_as(contact_id: str) -> None:
        client = app_client.application.test_client()  # one app, as gunicorn's threads share one
        body, head = signature(mark_kind="typed", mark="Camilla Sailor"), as_(headers, contact_id)
        barrier.wait()
        response = client.post(f"/proposals/{signing['id']}/signature", json=body, headers=head)
        with lock:
            statuses.append((response.status_code, (response.get_json() or {}).get("code")))

    threads = [threading.Thread(target=sign_as, args=(c,)) for c in signers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses, key=lambda s: s[0]) == [(201, None)] + [(409, "already_signed")] * 7
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_signatures")) == 1
        assert session.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'proposal_signed'")) == 1
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_audit_events WHERE kind = 'signed'")) == 1


@pytest.mark.parametrize("changes, field", [
    ({"mark": "data:image/png;base64,AAAA"}, "signature"),
    ({"mark_kind": "typed", "mark": "x"}, "signature"),
    ({"consent_accepted": False}, "consent_accepted"),
    ({"consent_version": "1999-01"}, "consent_version"),
    ({"optional_services": ["Snow Removal"]}, "optional_services"),
    ({"mark_kind": "stamped"}, "mark_kind"),
    ({"version": 0}, "version"),
    ({"version": "1"}, "version"),
])
def test_a_bad_signature_is_422_naming_the_field_and_writes_nothing(app_client, headers, signing, db, changes, field):
    response = app_client.post(f"/proposals/{signing['id']}/signature", json=signature(**changes),
                               headers=as_(headers, signing["me"]))
    body = assert_problem(response, 422)
    assert field in body["errors"] or field in str(body["errors"])
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_signatures")) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_versions WHERE signed_at IS NOT NULL")) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'proposal_signed'")) == 0


def test_a_change_order_after_a_signature_is_signed_again_as_a_change_order(
        app_client, back_office, headers, signing, proposal_88, db):
    me = as_(headers, signing["me"])
    assert app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me).status_code == 201
    changed = {**proposal_88, "price": "44679.33",
               "services": [*proposal_88["services"][:2], {"name": "EN- Shrub Installation", "visits": 1,
                                                          "amount": "1794.73"}]}
    assert put_proposal(app_client, back_office(), "crm-88", changed).status_code == 200
    sheet = app_client.get(f"/proposals/{signing['id']}/signing?showing=true", headers=me).get_json()
    assert sheet["version"] == 2 and sheet["may_sign"] is True and sheet["signature"] is None
    response = app_client.post(f"/proposals/{signing['id']}/signature",
                               json=signature(optional_services=[], version=2), headers=me)
    assert response.status_code == 201 and response.get_json()["total_cents"] == 4_467_933
    with db.unit_of_work() as session:
        orders = session.execute(sa.text("SELECT payload FROM outbox WHERE event_type = 'proposal_signed' "
                                         "ORDER BY created_at")).scalars().all()
    assert [o["data"]["change_order"] for o in orders] == [False, True]


def test_the_signed_pdf_verifies_and_one_changed_byte_does_not(app_client, headers, signing):
    me = as_(headers, signing["me"])
    app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me)
    pdf = app_client.get(f"/proposals/{signing['id']}/signed.pdf", headers=me).data

    def verify(data: bytes, who=me) -> dict:
        response = app_client.post("/proposals/verify", data={"file": (io.BytesIO(data), "p.pdf")},
                                   headers=who, content_type="multipart/form-data")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    good = verify(pdf)
    assert good["verified"] and good["matches_signed_proposal"] and good["proposal"]["number"] == "88"
    assert good["seal"] == {**good["seal"], "present": True, "intact": True, "whole_file": True, "trusted": True}
    tampered = bytearray(pdf)
    at = len(pdf) // 3
    tampered[at] = (tampered[at] + 1) % 256
    bad = verify(bytes(tampered))
    assert not bad["verified"] and not bad["matches_signed_proposal"]
    assert not (bad["seal"]["intact"] and bad["seal"]["whole_file"])
    # Another customer of the company learns nothing about #88 from its bytes.
    stranger = verify(pdf, who=as_(headers, new_id()))
    assert stranger["matches_signed_proposal"] is False and stranger["proposal"] is None


def test_verify_without_a_file_is_422_naming_it(app_client, headers, signing):
    response = app_client.post("/proposals/verify", data={}, headers=as_(headers, signing["me"]),
                               content_type="multipart/form-data")
    assert "file" in assert_problem(response, 422)["errors"]


def test_the_pdf_the_customer_viewed_is_on_the_trail_and_on_the_signature_by_its_sha256(
        app_client, headers, signing, db):
    me = as_(headers, signing["me"])
    viewed = app_client.get(f"/proposals/{signing['id']}/pdf", headers=me)
    assert viewed.status_code == 200 and viewed.mimetype == "application/pdf"
    digest = hashlib.sha256(viewed.data).hexdigest()
    app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me)
    with db.unit_of_work() as session:
        trail = session.execute(sa.text("SELECT kind, details FROM proposal_audit_events ORDER BY id")).all()
        shown = session.scalar(sa.text("SELECT shown_pdf_sha256 FROM proposal_signatures"))
    assert [t.kind for t in trail[:2]] == ["sent", "viewed"] and trail[1].details == {"pdf_sha256": digest}
    assert trail[0].details["sent_date"] == "2025-03-18" and len(trail[0].details["content_sha256"]) == 64
    assert shown == digest
    signed_event = next(t for t in trail if t.kind == "signed")
    assert signed_event.details["shown_pdf_sha256"] == digest


def test_the_detail_shows_the_optional_services_chosen_and_the_new_total_once_signed(app_client, headers, signing):
    me = as_(headers, signing["me"])
    app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me)
    detail = app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()
    assert detail["chosen_optional_services"] == ["Irrigation Audit"] and detail["total_cents"] == 4_492_933


def test_sent_goes_on_the_trail_once_per_version_when_the_back_office_sends_it(
        app_client, back_office, known, proposal_88, db):
    unsent = {**proposal_88, "sent": False, "sent_date": None}
    assert put_proposal(app_client, back_office(), "crm-88", unsent).status_code == 200
    assert put_proposal(app_client, back_office(), "crm-88", proposal_88).status_code == 200
    assert put_proposal(app_client, back_office(), "crm-88", proposal_88).status_code == 200   # the same again
    assert put_proposal(app_client, back_office(), "crm-88", {**proposal_88, "name": "Changed"}).status_code == 200
    with db.unit_of_work() as session:
        sent = session.execute(sa.text("SELECT version FROM proposal_audit_events WHERE kind = 'sent' ORDER BY id"
                                       )).scalars().all()
    assert sent == [1, 2]


def test_without_the_company_seal_configured_nothing_is_signed_503(app_client, headers, signing, db, monkeypatch):
    monkeypatch.delenv("PROPOSALS_SEAL_KEY_FILE")
    app_client.application.extensions.pop("proposals_sealer", None)
    response = app_client.post(f"/proposals/{signing['id']}/signature", json=signature(),
                               headers=as_(headers, signing["me"]))
    assert_problem(response, 503, "seal_not_configured")
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_signatures")) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_versions WHERE signed_at IS NOT NULL")) == 0


def test_reading_the_sheet_without_showing_the_pad_records_nothing(app_client, headers, signing, db):
    app_client.get(f"/proposals/{signing['id']}/signing", headers=as_(headers, signing["me"]))
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_audit_events WHERE kind = 'consent_shown'")) == 0


def test_a_version_sent_while_the_customer_was_reading_is_not_signed_unseen(
        app_client, back_office, headers, signing, proposal_88, db):
    """The pad was opened on version 1; the back office sends a change order; Accept & Sign names version 1."""
    me = as_(headers, signing["me"])
    assert app_client.get(f"/proposals/{signing['id']}/signing?showing=true", headers=me).get_json()["version"] == 1
    assert put_proposal(app_client, back_office(), "crm-88", {**proposal_88, "name": "Changed"}).status_code == 200
    assert_problem(app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me),
                   409, "proposal_changed")
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_signatures")) == 0
