"""Domain rules of portal settings: colours, contrast, fonts, fee, proposal window, invitation
templates, payment types, carousel slides, and the whole form checked at once."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portal_config.domain.colours import (
    COLOUR_MESSAGE,
    InvalidColour,
    contrast_ratio,
    normalise_colour,
    relative_luminance,
)
from portal_config.domain.settings import (
    DAYS_MESSAGE,
    FEE_MESSAGE,
    FONT_MESSAGE,
    FORM_FIELDS,
    MISSING_LINK_MESSAGE,
    NO_PAYMENT_TYPE_MESSAGE,
    SETTINGS_FIELDS,
    changes_between,
    check_form,
    contrast_warnings,
    default_settings,
    normalise_days,
    normalise_fee,
    normalise_font,
    to_contract,
    with_urls,
)
from portal_shared.events.contracts import FONT_STACKS, PortalSettingsV1

SLIDE = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _form(**overrides) -> dict:
    return {"enabled": True, "slug": "north", **default_settings("Green Acres Landscaping"), **overrides}


# -- colours ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["#1b5e20", "1b5e20", "#1B5E20", "1B5E20", "#1b5E20", "  #1b5e20 "])
def test_every_accepted_six_digit_form_is_stored_as_lowercase_hash_rrggbb(raw):
    assert normalise_colour(raw) == "#1b5e20"


@pytest.mark.parametrize("raw", ["#abc", "abc", "#ABC", "ABC", "aBc"])
def test_a_three_digit_colour_is_expanded(raw):
    assert normalise_colour(raw) == "#aabbcc"


@pytest.mark.parametrize("raw", ["#12345", "red", "#ggg", "", "#", "##abc", "#1234567", "rgb(0,0,0)", "12 34 56",
                                 "#abcd", None, 0x1b5e20, ["#abc"]])
def test_anything_else_is_refused_with_the_example_message(raw):
    with pytest.raises(InvalidColour) as raised:
        normalise_colour(raw)
    assert raised.value.message == COLOUR_MESSAGE == "Enter a colour like #1b5e20."


def test_a_bad_colour_in_the_form_is_named_by_its_field():
    checked = check_form({"nav_background_color": "#12345", "border_color": "red", "button_font_color": "#ggg"},
                         _form())
    assert checked.errors == {name: [COLOUR_MESSAGE]
                              for name in ("nav_background_color", "border_color", "button_font_color")}


def test_colours_in_the_form_are_normalised():
    checked = check_form({"nav_background_color": "0D47A1", "nav_font_color": "#FFF"}, _form())
    assert checked.ok
    assert (checked.form["nav_background_color"], checked.form["nav_font_color"]) == ("#0d47a1", "#ffffff")


# -- contrast --------------------------------------------------------------------------------

def test_luminance_runs_from_black_to_white():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)


def test_black_on_white_is_21_to_1_and_a_colour_on_itself_1_to_1():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#1b5e20", "#1b5e20") == pytest.approx(1)


def test_white_on_dark_green_passes_without_a_warning():
    assert contrast_ratio("#ffffff", "#1b5e20") > 4.5
    assert contrast_warnings(_form(nav_font_color="#ffffff", nav_background_color="#1b5e20")) == []


def test_grey_on_grey_warns_naming_the_pair_and_the_ratio():
    form = _form(nav_font_color="#777777", nav_background_color="#888888")
    (warning,) = contrast_warnings(form)
    assert warning["code"] == "low_contrast"
    assert warning["fields"] == ["nav_font_color", "nav_background_color"]
    assert warning["ratio"] == pytest.approx(contrast_ratio("#777777", "#888888"), abs=0.01)
    assert warning["ratio"] < 1.5 and warning["minimum"] == 4.5
    assert "#777777" in warning["message"] and "#888888" in warning["message"]
    assert f"{warning['ratio']:.2f}:1" in warning["message"]


def test_low_contrast_is_a_warning_not_an_error():
    checked = check_form({"nav_font_color": "#777", "nav_background_color": "#888"}, _form())
    assert checked.ok
    assert [w["fields"] for w in checked.warnings] == [["nav_font_color", "nav_background_color"]]


def test_every_pair_is_checked_buttons_and_dashboard_too():
    form = _form(button_font_color="#ffffff", button_background_color="#eeeeee",
                 dashboard_font_color="#cccccc", background_color="#ffffff")
    assert [w["fields"] for w in contrast_warnings(form)] == [
        ["button_font_color", "button_background_color"], ["dashboard_font_color", "background_color"]]


def test_the_ratio_shown_is_rounded_down_so_a_failing_pair_never_reads_as_4_5():
    # #767676 on white is the classic 4.54:1; #777777 on white just fails (4.48:1).
    assert contrast_warnings(_form(dashboard_font_color="#767676", background_color="#ffffff")) == []
    (warning,) = contrast_warnings(_form(dashboard_font_color="#777777", background_color="#ffffff"))
    assert warning["ratio"] < 4.5


def test_a_pair_with_an_invalid_colour_gets_an_error_and_no_contrast_warning():
    checked = check_form({"nav_font_color": "nope", "nav_background_color": "#ffffff"}, _form())
    assert set(checked.errors) == {"nav_font_color"}
    assert checked.warnings == []


def test_the_defaults_are_readable():
    assert contrast_warnings(_form()) == []


# -- fonts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("font", list(FONT_STACKS))
def test_every_font_of_the_contract_is_accepted(font):
    assert normalise_font(font) == font


def test_a_font_is_matched_without_regard_to_case():
    assert normalise_font("open sans") == "Open Sans"
    assert normalise_font(" GEORGIA ") == "Georgia"


@pytest.mark.parametrize("font", ["Comic Sans MS", "", "Open", None, 12])
def test_a_font_outside_the_list_is_refused(font):
    with pytest.raises(ValueError):
        normalise_font(font)
    checked = check_form({"display_font": font, "button_font": "Papyrus"}, _form())
    assert checked.errors == {"display_font": [FONT_MESSAGE], "button_font": [FONT_MESSAGE]}


# -- convenience fee -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, stored", [("3.00", "3.00"), ("3", "3.00"), (3, "3.00"), (2.5, "2.50"), ("0", "0.00"),
                                         ("10", "10.00"), (Decimal("9.99"), "9.99"), (" 1.5 ", "1.50"),
                                         ("3.500", "3.50")])
def test_a_fee_from_0_to_10_is_stored_with_two_decimals(raw, stored):
    assert normalise_fee(raw) == stored


@pytest.mark.parametrize("raw", ["10.01", "-0.01", "11", "2.555", 2.675, "abc", "", "NaN", "Infinity", True, None,
                                 [3]])
def test_a_fee_outside_0_to_10_or_with_more_decimals_is_refused(raw):
    with pytest.raises(ValueError):
        normalise_fee(raw)
    assert check_form({"card_convenience_fee_percent": raw}, _form()).errors == {
        "card_convenience_fee_percent": [FEE_MESSAGE]}


# -- proposal window -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, stored", [(None, None), ("", None), (1, 1), (30, 30), (365, 365), ("45", 45),
                                         (90.0, 90)])
def test_the_proposal_window_is_empty_or_1_to_365_days(raw, stored):
    assert normalise_days(raw) == stored


@pytest.mark.parametrize("raw", [0, 366, -5, 2.5, "thirty", True, [30]])
def test_a_proposal_window_outside_1_to_365_is_refused(raw):
    with pytest.raises(ValueError):
        normalise_days(raw)
    assert check_form({"proposal_window_days": raw}, _form()).errors == {"proposal_window_days": [DAYS_MESSAGE]}


# -- invitation template ---------------------------------------------------------------------

def test_an_invitation_body_without_the_portal_link_token_is_refused():
    checked = check_form({"invitation_body": "Hello [ContactName], welcome!"}, _form())
    assert checked.errors == {"invitation_body": [MISSING_LINK_MESSAGE]}


def test_an_invitation_body_with_every_token_is_accepted():
    body = "Hi [ContactFirstName] ([ContactName]), [CompanyName] – [BranchName]: [CustomerPortalLink]. [SenderName]"
    assert check_form({"invitation_body": body}, _form()).ok


def test_an_unknown_token_is_refused_naming_it():
    checked = check_form({"invitation_subject": "Hi [ContactNme]", "invitation_body": "[CustomerPortalLnk]"}, _form())
    assert "[ContactNme]" in checked.errors["invitation_subject"][0]
    assert checked.errors["invitation_body"][0] == MISSING_LINK_MESSAGE
    assert "[CustomerPortalLnk]" in checked.errors["invitation_body"][1]


def test_a_subject_must_be_one_line_so_it_cannot_forge_email_headers():
    checked = check_form({"invitation_subject": "Hello\r\nBcc: victim@example.com"}, _form())
    assert checked.errors == {"invitation_subject": ["Keep it on one line."]}


@pytest.mark.parametrize("field, limit", [("page_title", 100), ("invitation_subject", 200),
                                          ("invitation_link_description", 200), ("nav_title", 100),
                                          ("login_page_text", 1000), ("dashboard_text", 1000)])
def test_texts_longer_than_their_limit_are_refused(field, limit):
    assert check_form({field: "x" * limit}, _form()).ok
    assert check_form({field: "x" * (limit + 1)}, _form()).errors == {field: [f"Use at most {limit} characters."]}


def test_a_too_long_body_is_refused_even_with_the_link():
    body = "[CustomerPortalLink] " + "x" * 5000
    assert check_form({"invitation_body": body}, _form()).errors == {"invitation_body": ["Use at most 5000 characters."]}


@pytest.mark.parametrize("field", ["page_title", "invitation_subject", "invitation_link_description",
                                   "invitation_body"])
def test_required_texts_cannot_be_emptied(field):
    assert set(check_form({field: "   "}, _form()).errors) == {field}


def test_optional_texts_may_be_emptied_and_are_then_none():
    checked = check_form({"login_page_text": "  ", "dashboard_text": None, "nav_title": ""}, _form())
    assert checked.ok
    assert (checked.form["login_page_text"], checked.form["dashboard_text"], checked.form["nav_title"]) == \
        (None, None, "")


# -- payments --------------------------------------------------------------------------------

def test_electronic_payments_need_at_least_one_payment_type():
    checked = check_form({"electronic_payments": True, "accepted_payment_types": []}, _form())
    assert checked.errors == {"accepted_payment_types": [NO_PAYMENT_TYPE_MESSAGE]}
    assert check_form({"electronic_payments": False, "accepted_payment_types": []}, _form()).ok


def test_payment_types_are_card_and_ach_in_a_fixed_order_without_repeats():
    checked = check_form({"accepted_payment_types": ["ach", "card", "ach"]}, _form())
    assert checked.form["accepted_payment_types"] == ["card", "ach"]
    assert set(check_form({"accepted_payment_types": ["cash"]}, _form()).errors) == {"accepted_payment_types"}


# -- carousel --------------------------------------------------------------------------------

def test_carousel_slides_keep_their_order_and_are_cleaned():
    slides = [{"asset_id": SLIDE.upper(), "caption": " Spring ", "link": "https://example.com/spring"},
              {"asset_id": SLIDE, "caption": "", "link": "", "image_url": "/ignored"}]
    checked = check_form({"carousel": slides}, _form())
    assert checked.ok
    assert checked.form["carousel"] == [{"asset_id": SLIDE, "caption": "Spring", "link": "https://example.com/spring"},
                                        {"asset_id": SLIDE, "caption": None, "link": None}]


def test_a_bad_slide_is_named_by_its_position_and_part():
    slides = [{"asset_id": SLIDE, "link": "javascript:alert(1)"}, {"caption": "x" * 201}, "not a slide",
              {"asset_id": "nope", "colour": "red"}]
    errors = check_form({"carousel": slides}, _form()).errors
    assert set(errors) == {"carousel.0.link", "carousel.1.asset_id", "carousel.1.caption", "carousel.2",
                           "carousel.3.asset_id", "carousel.3.colour"}


def test_at_most_ten_slides():
    assert check_form({"carousel": [{"asset_id": SLIDE}] * 10}, _form()).ok
    assert set(check_form({"carousel": [{"asset_id": SLIDE}] * 11}, _form()).errors) == {"carousel"}


# -- the whole form --------------------------------------------------------------------------

def test_one_check_names_every_bad_field_at_once():
    checked = check_form({"nav_font_color": "red", "display_font": "Papyrus", "proposal_window_days": 0,
                          "card_convenience_fee_percent": "12", "invitation_body": "no link",
                          "page_title": "x" * 101, "show_invoices": "yes", "slug": "-bad", "enabled": 1,
                          "favourite_colour": "#fff"}, _form())
    assert set(checked.errors) == {"nav_font_color", "display_font", "proposal_window_days",
                                   "card_convenience_fee_percent", "invitation_body", "page_title", "show_invoices",
                                   "slug", "enabled", "favourite_colour"}
    assert checked.errors["favourite_colour"] == ["Unknown field."]


def test_read_only_url_fields_may_be_sent_back_and_are_ignored():
    checked = check_form({"login_logo_url": "/api/portal-config/assets/x", "nav_logo_url": None}, _form())
    assert checked.ok and "login_logo_url" not in checked.form


def test_fields_left_out_keep_their_current_value():
    current = _form(page_title="Ours")
    assert check_form({"nav_title": "Nav"}, current).form["page_title"] == "Ours"


def test_changes_name_each_field_with_its_old_and_new_value():
    before = _form()
    after = check_form({"nav_background_color": "#0D47A1", "enabled": False}, before).form
    assert changes_between(before, after) == {
        "enabled": {"from": True, "to": False},
        "nav_background_color": {"from": "#1b5e20", "to": "#0d47a1"}}
    assert changes_between(before, dict(before)) == {}


def test_the_defaults_and_the_published_shape_keep_the_contract():
    settings = default_settings("Green Acres Landscaping")
    assert set(settings) == set(SETTINGS_FIELDS) and set(FORM_FIELDS) == set(SETTINGS_FIELDS) | {"enabled", "slug"}
    assert PortalSettingsV1().validate(to_contract(settings)) == {}
    with_images = {**settings, "login_logo_asset_id": SLIDE, "carousel": [{"asset_id": SLIDE, "caption": None,
                                                                         "link": None}]}
    published = to_contract(with_images)
    assert PortalSettingsV1().validate(published) == {}
    assert published["login_logo_url"] == f"/api/portal-config/assets/{SLIDE}"
    assert published["carousel"] == [{"image_url": f"/api/portal-config/assets/{SLIDE}", "caption": None,
                                      "link": None}]
    assert with_urls(with_images)["carousel"][0]["image_url"] == published["carousel"][0]["image_url"]


def test_a_very_long_company_name_still_gives_valid_defaults():
    assert check_form(default_settings("A" * 200), _form()).ok
