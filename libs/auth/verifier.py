"""Verifies Supabase-issued bearer JWTs: HS256 with the project's secret, ES256/RS256 by JWKS."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import jwt
from jwt import PyJWK

from libs.auth.jwks import JwksCache, UnknownKey
from libs.auth.tokens import InvalidToken, Principal
from libs.auth.verified_tokens import Verified, VerifiedTokens

# Which key type may verify which algorithm. HS256 only ever uses the shared secret and the
# asymmetric ones only published keys of their own type, so no public key can be replayed as
# an HMAC secret (algorithm confusion) and `none` is never accepted.
_ASYMMETRIC = {"ES256": "EC", "RS256": "RSA"}


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """What a token must say to be accepted."""

    audience: str = "authenticated"
    issuer: str | None = None
    leeway_s: float = 30.0
    # User routes accept signed-in users only: `anon` and `service_role` are not users.
    roles: frozenset[str] = frozenset({"authenticated"})


class TokenVerifier:
    """Checks signature, `exp`/`nbf`, `aud`, `iss`, `sub` and `role` of one bearer token."""

    def __init__(
        self,
        policy: TokenPolicy,
        *,
        secret: str | None = None,
        jwks: JwksCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret and jwks is None:
            raise ValueError("a token verifier needs a shared secret, a JWKS URL, or both")
        self.policy = policy
        self._secret = secret
        self._jwks = jwks
        self._clock = clock
        self._verified = VerifiedTokens()

    async def verify(self, token: str) -> Principal:
        """The caller a valid token names; raises InvalidToken saying why not."""
        now = self._clock()
        known = self._verified.get(token, now)
        if known is not None:
            return known
        claims = await self._verified_claims(token)
        principal = self._principal(claims)
        leeway = self.policy.leeway_s
        window = Verified(
            principal,
            not_before=_number(claims.get("nbf"), default=now) - leeway,
            expires=_number(claims["exp"], default=now) + leeway,
        )
        self._verified.put(token, window, now)
        return principal

    async def _verified_claims(self, token: str) -> dict[str, object]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token is not a well-formed JWT") from exc
        alg = header.get("alg")
        key = await self._key_for(alg, header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(alg)],
                audience=self.policy.audience,
                issuer=self.policy.issuer,
                leeway=self.policy.leeway_s,
                options={"require": ["exp", "sub"], "verify_iss": self.policy.issuer is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("the token is not valid yet") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("the token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("the token was issued by another issuer") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token has no {exc.claim!r} claim") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token's signature or claims are invalid") from exc
        return claims

    async def _key_for(self, alg: object, kid: object) -> str | PyJWK:
        if alg == "HS256":
            if not self._secret:
                raise InvalidToken("HS256 tokens are not accepted here")
            return self._secret
        if alg in _ASYMMETRIC:
            if self._jwks is None:
                raise InvalidToken(f"{alg} tokens are not accepted here")
            if not isinstance(kid, str) or not kid:
                raise InvalidToken(f"an {alg} token must name its key (kid)")
            try:
                jwk = await self._jwks.key(kid)
            except UnknownKey as exc:
                raise InvalidToken("the token's key (kid) is not one of the project's") from exc
            if jwk.key_type != _ASYMMETRIC[str(alg)]:
                raise InvalidToken(f"the token's key (kid) cannot verify {alg}")
            return jwk
        raise InvalidToken(f"tokens signed with {alg!r} are not accepted")

    def _principal(self, claims: dict[str, object]) -> Principal:
        try:
            user = UUID(str(claims["sub"]))
        except ValueError as exc:
            raise InvalidToken("the token's subject (sub) is not a user id") from exc
        role = claims.get("role")
        if role not in self.policy.roles:
            raise InvalidToken(f"the token's role {role!r} is not a signed-in user")
        return Principal(user, str(role), claims)


def _number(value: object, default: float) -> float:
    # PyJWT has checked `exp`/`nbf` are numbers when present, and compares their whole seconds.
    return float(int(value)) if isinstance(value, int | float) else default
