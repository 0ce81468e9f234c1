"""No deployment signs with a missing, short or published secret."""

import pytest

from libs.auth.secret_policy import PUBLISHED_SECRETS, secret_problem


def test_a_private_secret_of_enough_length_is_fine() -> None:
    assert secret_problem("S", "x" * 40, development=False) is None


@pytest.mark.parametrize("secret", sorted(PUBLISHED_SECRETS))
def test_published_secrets_are_refused_outside_development(secret: str) -> None:
    assert "published" in (secret_problem("S", secret, development=False) or "")
    assert secret_problem("S", secret, development=True) is None


def test_missing_and_short_secrets_are_refused() -> None:
    assert secret_problem("S", None, development=True) == "S is not set"
    assert "shorter" in (secret_problem("S", "short", development=False) or "")
