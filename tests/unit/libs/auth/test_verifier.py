"""Bearer-token verification: what Supabase issues is accepted, everything else says why not."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from libs.auth.jwks import JwksCache, JwksUnavailable
from libs.auth.tokens import InvalidToken, mint_token
from libs.auth.verifier import TokenPolicy, TokenVerifier

SECRET = "a-private-test-secret-of-at-least-32-bytes"
USER = uuid4()


def pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_jwk(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        return {**jwk, "kid": kid, "alg": "ES256", "use": "sig"}
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class Keys:
    """A project's published keys, with a count of fetches."""

    def __init__(self, *jwks: dict[str, Any]) -> None:
        self.jwks = list(jwks)
        self.fetches = 0

    async def fetch(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": self.jwks}


EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def verifier(keys: Keys | None = None, **policy: Any) -> TokenVerifier:
    jwks = JwksCache("https://project.test/jwks", fetch=keys.fetch) if keys else None
    return TokenVerifier(TokenPolicy(**policy), secret=SECRET, jwks=jwks)


async def refused(v: TokenVerifier, token: str, why: str) -> None:
    with pytest.raises(InvalidToken, match=why):
        await v.verify(token)


async def test_an_hs256_token_of_a_signed_in_user_is_accepted() -> None:
    principal = await verifier().verify(mint_token(USER, SECRET))
    assert principal.user_id == USER and principal.role == "authenticated"
    assert principal.claims["sub"] == str(USER)


async def test_es256_and_rs256_tokens_are_checked_against_the_published_keys() -> None:
    keys = Keys(public_jwk(EC_KEY, "ec-1"), public_jwk(RSA_KEY, "rsa-1"))
    v = verifier(keys)
    es = mint_token(USER, pem(EC_KEY), algorithm="ES256", kid="ec-1")
    rs = mint_token(USER, pem(RSA_KEY), algorithm="RS256", kid="rsa-1")
    assert (await v.verify(es)).user_id == USER
    assert (await v.verify(rs)).user_id == USER
    assert keys.fetches == 1  # cached


async def test_a_rotated_key_is_found_by_one_refresh_and_forged_kids_do_not_hammer() -> None:
    keys = Keys(public_jwk(EC_KEY, "old"))
    clock = [0.0]
    v = TokenVerifier(
        TokenPolicy(),
        jwks=JwksCache("u", fetch=keys.fetch, min_refresh_s=30, clock=lambda: clock[0]),
    )
    await v.verify(mint_token(USER, pem(EC_KEY), algorithm="ES256", kid="old"))
    new = ec.generate_private_key(ec.SECP256R1())
    keys.jwks.append(public_jwk(new, "new"))
    clock[0] = 31.0
    assert (await v.verify(mint_token(USER, pem(new), algorithm="ES256", kid="new"))).user_id
    assert keys.fetches == 2
    for _ in range(5):
        await refused(v, mint_token(USER, pem(new), algorithm="ES256", kid="forged"), "kid")
    assert keys.fetches == 2  # within the refresh floor: no fetch per forged kid


async def test_expiry_and_not_before_allow_a_small_leeway_only() -> None:
    v = verifier(leeway_s=30)
    assert await v.verify(mint_token(USER, SECRET, ttl_s=-10))  # 10 s late: skew
    await refused(v, mint_token(USER, SECRET, ttl_s=-120), "expired")
    soon = mint_token(USER, SECRET, extra={"nbf": int(time.time()) + 10})
    assert await v.verify(soon)
    await refused(v, mint_token(USER, SECRET, extra={"nbf": int(time.time()) + 600}), "not valid")


async def test_audience_issuer_and_role_must_match() -> None:
    await refused(verifier(), mint_token(USER, SECRET, audience="other"), "audience")
    v = verifier(issuer="https://project.supabase.co/auth/v1")
    await refused(v, mint_token(USER, SECRET), "iss")
    ok = mint_token(USER, SECRET, extra={"iss": "https://project.supabase.co/auth/v1"})
    assert await v.verify(ok)
    await refused(v, mint_token(USER, SECRET, extra={"iss": "https://evil.test"}), "issuer")
    for role in ("anon", "service_role"):
        await refused(verifier(), mint_token(USER, SECRET, role=role), "not a signed-in user")


async def test_the_subject_must_be_a_user_id() -> None:
    token = jwt.encode(
        {"sub": "admin", "aud": "authenticated", "role": "authenticated", "exp": 2**33},
        SECRET,
        algorithm="HS256",
    )
    await refused(verifier(), token, "not a user id")
    no_sub = jwt.encode(
        {"aud": "authenticated", "role": "authenticated", "exp": 2**33}, SECRET, algorithm="HS256"
    )
    await refused(verifier(), no_sub, "'sub'")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_unsigned_and_confused_tokens_are_refused() -> None:
    claims = {"sub": str(USER), "aud": "authenticated", "role": "authenticated", "exp": 2**33}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    await refused(verifier(), unsigned, "'none'")
    await refused(verifier(), jwt.encode(claims, SECRET * 2, algorithm="HS512"), "'HS512'")
    # Algorithm confusion: the project's public key used as an HMAC secret.
    keys = Keys(public_jwk(RSA_KEY, "rsa-1"))
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    await refused(verifier(keys), confused, "signature")
    jwks_only = TokenVerifier(TokenPolicy(), jwks=JwksCache("u", fetch=keys.fetch))
    await refused(jwks_only, confused, "HS256 tokens are not accepted")
    # An ES256 header naming an RSA key.
    es_on_rsa = mint_token(USER, pem(EC_KEY), algorithm="ES256", kid="rsa-1")
    await refused(verifier(keys), es_on_rsa, "cannot verify ES256")
    await refused(verifier(keys), mint_token(USER, pem(EC_KEY), algorithm="ES256"), "kid")
    await refused(verifier(), "not.a.jwt", "well-formed")


async def test_asymmetric_tokens_need_a_jwks_url() -> None:
    await refused(
        verifier(), mint_token(USER, pem(EC_KEY), algorithm="ES256", kid="k"), "not accepted"
    )


async def test_an_unreachable_jwks_is_our_outage_not_the_callers_fault() -> None:
    async def down(url: str) -> dict[str, Any]:
        raise ValueError("connection refused")

    v = TokenVerifier(TokenPolicy(), jwks=JwksCache("u", fetch=down))
    with pytest.raises(JwksUnavailable):
        await v.verify(mint_token(USER, pem(EC_KEY), algorithm="ES256", kid="k"))
