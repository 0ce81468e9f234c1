"""The gateway will not start with no way to check tokens or with a published secret."""

import pytest

from libs.config.settings import Settings
from redub.wiring.gateway import UnsafeSecrets, check_secrets

PRIVATE = "p" * 48


def test_production_needs_private_secrets() -> None:
    check_secrets(Settings(jwt_secret=PRIVATE, blob_url_secret=PRIVATE))
    check_secrets(Settings(jwt_jwks_url="https://p.test/jwks", blob_url_secret=PRIVATE))
    with pytest.raises(UnsafeSecrets, match="REDUB_JWT_SECRET is not set"):
        check_secrets(Settings(blob_url_secret=PRIVATE))
    with pytest.raises(UnsafeSecrets, match="published"):
        check_secrets(
            Settings(jwt_secret="redub-dev-secret-change-me-32-bytes!", blob_url_secret=PRIVATE)
        )
    with pytest.raises(UnsafeSecrets, match="REDUB_BLOB_URL_SECRET"):
        check_secrets(Settings(jwt_secret=PRIVATE))


def test_development_accepts_published_secrets_but_not_none() -> None:
    published = "super-secret-jwt-token-with-at-least-32-characters-long"
    check_secrets(
        Settings(environment="development", jwt_secret=published, blob_url_secret=published)
    )
    with pytest.raises(UnsafeSecrets):
        check_secrets(Settings(environment="development"))
