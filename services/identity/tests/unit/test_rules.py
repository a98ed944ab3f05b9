"""What people type: names with the seeds' messages, emails, and the password policy (OWASP ASVS 2.1)."""
from __future__ import annotations

import pytest

from portal_identity.domain.rules import (email_error, first_name_error, last_name_error, normalise_email,
                                          password_error)

FIRST = "First name must have at least 2 characters. Numbers and special characters are not allowed."
LAST = "Last name must have at least 1 character. Numbers and special characters are not allowed."


# -- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Jo", "Camilla", "José", "Zoë", "Anne-Marie", "O'Brien", "D’Angelo", "Mary Jane",
                                  "  Jo  ", "Łukasz", "Ngọc"])
def test_a_first_name_of_two_or_more_letters_with_accents_hyphens_or_apostrophes_is_accepted(name):
    assert first_name_error(name) is None


@pytest.mark.parametrize("name", ["", "   ", "J", " J ", "J0hn", "John3", "Jo!", "Jo_e", "Jo@n", "R2-D2", "-Jo", "Jo'"])
def test_a_first_name_shorter_than_two_letters_or_with_digits_or_special_characters_gets_the_seeds_message(name):
    assert first_name_error(name) == FIRST


@pytest.mark.parametrize("name", ["O", "Ng", "Sailor", "García-López", "O'Neil", "van der Berg"])
def test_a_last_name_of_one_or_more_letters_is_accepted(name):
    assert last_name_error(name) is None


@pytest.mark.parametrize("name", ["", "  ", "Sm1th", "Smith#", "Smith.", "Smith_Jones", "42"])
def test_an_empty_last_name_or_one_with_digits_or_special_characters_gets_the_seeds_message(name):
    assert last_name_error(name) == LAST


# -- emails ---------------------------------------------------------------------------------

def test_an_email_is_normalised_by_trimming_and_lowercasing():
    assert normalise_email("  Camilla.Sailor@Example.COM \n") == "camilla.sailor@example.com"
    assert normalise_email(None) == ""


@pytest.mark.parametrize("email", ["camilla@example.com", "  Camilla@Example.COM ", "a.b+portal@sub.example.co.uk"])
def test_a_well_formed_email_is_accepted_in_any_case_and_with_surrounding_spaces(email):
    assert email_error(email) is None


@pytest.mark.parametrize("email", ["", "camilla", "camilla@", "@example.com", "camilla@example", "cam illa@example.com",
                                   "camilla@@example.com"])
def test_a_malformed_email_gets_enter_a_valid_email(email):
    assert email_error(email) == "Enter a valid email"


# -- passwords ------------------------------------------------------------------------------

def test_a_password_of_seven_characters_is_refused_and_one_of_eight_is_accepted():
    assert "at least 8 characters" in password_error("Tq7#vLx")
    assert password_error("Tq7#vLxe") is None


def test_a_long_passphrase_of_100_characters_is_accepted():
    passphrase = ("the orchard gate creaks when the wind turns west " * 3)[:100]
    assert len(passphrase) == 100
    assert password_error(passphrase) is None


def test_128_characters_are_accepted_and_129_refused():
    assert password_error("k" + "w" * 127) is None
    assert "at most 128 characters" in password_error("k" + "w" * 128)


@pytest.mark.parametrize("common", ["password1", "qwerty123", "PASSWORD1", "iloveyou"])
def test_a_commonly_used_password_is_refused_whatever_its_case(common):
    assert "too common" in password_error(common)


def test_there_are_no_composition_rules_a_lowercase_passphrase_with_spaces_is_accepted():
    assert password_error("correct horse battery staple") is None
    assert password_error("alllowercaseletters") is None


def test_the_accounts_own_email_or_its_local_part_is_refused_as_a_password():
    assert "too common" in password_error("camilla.sailor@example.com", email="camilla.sailor@example.com")
    assert "too common" in password_error("Camilla.Sailor", email="camilla.sailor@example.com")
    assert password_error("camilla.sailor", email="someone.else@example.com") is None
