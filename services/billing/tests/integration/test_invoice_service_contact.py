"""The invoice's Service Contact (seed 002): the property's sales rep as identity's `staff_upserted` and
`property_upserted` name it (billing.directory), with the phone only when the branch's portal settings
show it (billing.settings); never a rep of another tenant."""
from __future__ import annotations

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, new_id

from .payment_fixtures import branch_settings  # noqa: F401 - fixture


def detail(app_client, customer_headers, world, invoice_id):
    response = app_client.get(f"/invoices/{invoice_id}", headers=customer_headers(TENANT, BRANCH, world["me"]))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def put_invoice_18(app_client, back_office, invoice_18) -> str:
    response = app_client.put("/integration/invoices/inv-18", json=invoice_18, headers=back_office())
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def test_the_detail_names_the_propertys_sales_rep_as_service_contact(app_client, back_office, customer_headers,
                                                                       known, directory, invoice_18,
                                                                       branch_settings):  # noqa: F811
    rep = new_id()
    directory.staff(TENANT, rep, first_name="Siuan", last_name="Sanche", title="Account Manager",
                    email="siuan@example.com", phone="(555) 010-0001")
    directory.property(TENANT, BRANCH, known["p1"], "p1", revision=2, sales_rep_id=rep)
    branch_settings(show_rep_phone=True)
    invoice_id = put_invoice_18(app_client, back_office, invoice_18)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"] == {
        "first_name": "Siuan", "last_name": "Sanche", "title": "Account Manager", "email": "siuan@example.com",
        "phone": "(555) 010-0001"}

    branch_settings(show_rep_phone=False)              # the branch hides the sales rep's phone
    contact = detail(app_client, customer_headers, known, invoice_id)["service_contact"]
    assert (contact["first_name"], contact["email"], contact["phone"]) == ("Siuan", "siuan@example.com", None)


def test_a_branch_billing_has_no_settings_for_shows_the_phone(app_client, back_office, customer_headers, known,
                                                              directory, invoice_18):
    rep = new_id()
    directory.staff(TENANT, rep, phone="(555) 010-0002")
    directory.property(TENANT, BRANCH, known["p1"], "p1", revision=2, sales_rep_id=rep)
    invoice_id = put_invoice_18(app_client, back_office, invoice_18)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"]["phone"] == "(555) 010-0002"


def test_no_rep_an_inactive_one_or_not_yet_known_is_no_service_contact(app_client, back_office, customer_headers,
                                                                        known, directory, invoice_18):
    invoice_id = put_invoice_18(app_client, back_office, invoice_18)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"] is None   # none named
    rep = new_id()
    directory.property(TENANT, BRANCH, known["p1"], "p1", revision=2, sales_rep_id=rep)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"] is None   # not arrived yet
    directory.staff(TENANT, rep)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"]["last_name"] == "Reyes"
    directory.staff(TENANT, rep, active=False)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"] is None   # left the company


def test_another_tenants_staff_is_never_the_service_contact(app_client, back_office, customer_headers, known,
                                                            directory, invoice_18):
    rep = new_id()
    directory.staff(OTHER_TENANT, rep, first_name="Elaida", last_name="a'Roihan")
    directory.property(TENANT, BRANCH, known["p1"], "p1", revision=2, sales_rep_id=rep)
    invoice_id = put_invoice_18(app_client, back_office, invoice_18)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"] is None
    # ... and an event of the other tenant naming our rep's id never overwrites our rep
    ours = new_id()
    directory.staff(TENANT, ours, first_name="Siuan")
    directory.staff(OTHER_TENANT, ours, first_name="Elaida")
    directory.property(TENANT, BRANCH, known["p1"], "p1", revision=3, sales_rep_id=ours)
    assert detail(app_client, customer_headers, known, invoice_id)["service_contact"]["first_name"] == "Siuan"
