import base64

import pytest

from evroam_roaming.domain.partners import is_credentials_token
from evroam_roaming.ocpi.auth import token_candidates


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_base64_encoded_token_is_decoded_first_as_ocpi_2_2_1_requires() -> None:
    # The encoded text is printable ASCII too, so it is also tried as a raw token.
    assert token_candidates("Token ZXhhbXBsZS10b2tlbg==") == (
        "example-token",
        "ZXhhbXBsZS10b2tlbg==",
    )


def test_a_raw_token_as_2_1_1_peers_send_it_is_tried_as_it_is() -> None:
    assert token_candidates("Token ab_cd-EF.gh") == ("ab_cd-EF.gh",)


def test_base64_of_something_that_is_no_token_leaves_only_the_raw_reading() -> None:
    assert token_candidates("Token " + b64("has space")) == (b64("has space"),)
    assert token_candidates("Token abcd") == ("abcd",)  # decodes to non-ASCII bytes


def test_the_spec_examples_trailing_newline_is_forgiven() -> None:
    assert token_candidates("Token ZXhhbXBsZS10b2tlbgo=")[0] == "example-token"


def test_missing_padding_is_forgiven() -> None:
    assert token_candidates("Token ZXhhbXBsZS10b2tlbg")[0] == "example-token"


def test_the_scheme_is_case_insensitive_and_whitespace_is_trimmed() -> None:
    assert token_candidates("  token   " + b64("secret") + " ") == ("secret", b64("secret"))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Token",
        "Token ",
        "Bearer " + b64("secret"),
        b64("secret"),
        "Token " + "x" * 65,
        "Token two words",
    ],
)
def test_no_candidate_without_a_usable_token_header(header: str | None) -> None:
    assert token_candidates(header) == ()


@pytest.mark.parametrize(
    ("token", "valid"),
    [
        ("a", True),
        ("!~", True),
        ("x" * 64, True),
        ("", False),
        ("x" * 65, False),
        ("a b", False),
        ("tab\t", False),
        ("é", False),
    ],
)
def test_a_credentials_token_is_1_to_64_printable_ascii(token: str, valid: bool) -> None:
    assert is_credentials_token(token) is valid
