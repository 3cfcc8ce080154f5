"""JWT validation with PyJWT: HS256 shared secret, RS256 public key, or RS256 JWKS by `kid`."""

import pathlib
import urllib.parse

import jwt

from app.auth.roles import PRINCIPAL_ROLES

# Upstream's validator (jsonwebtoken) tolerates this much clock skew on `exp`.
LEEWAY_SECONDS = 60
# RFC 7519 §4.1.4-6: NumericDate claims. PyJWT accepts a numeric string ("9999999999") for
# them; upstream's validator (serde) refuses anything but a JSON number.
NUMERIC_DATE_CLAIMS = ("exp", "nbf", "iat")
# RFC 7518 §3.2: an HS256 key must be at least as long as the hash; shorter ones are guessable.
MIN_SECRET_BYTES = 32

# PyJWT's failures -> the kind upstream names in `WWW-Authenticate: Bearer error_description=`.
FAILURE_KINDS = (
    (jwt.ExpiredSignatureError, "ExpiredSignature"),
    (jwt.ImmatureSignatureError, "ImmatureSignature"),
    (jwt.InvalidAudienceError, "InvalidAudience"),
    (jwt.InvalidIssuerError, "InvalidIssuer"),
    (jwt.InvalidSignatureError, "InvalidSignature"),
    (jwt.InvalidAlgorithmError, "InvalidAlgorithm"),
    (jwt.MissingRequiredClaimError, "MissingRequiredClaim"),
    (jwt.PyJWKClientConnectionError, "Authentication failed - unable to fetch JWT keys"),
    (jwt.PyJWKClientError, "Authentication failed - JWT key format error"),
    (jwt.PyJWKSetError, "Authentication failed - JWT key format error"),
)


class JwtRejected(Exception):
    """The JWT failed validation; `kind` is upstream's name for the failure."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


class JwtVerifier:
    """Validates JWTs against one app's settings; keeps that app's JWKS cache."""

    def __init__(self, config):
        # str(): environment values are parsed as JSON, so an all-digit secret arrives as int.
        self.secret = str(config["JWT_SECRET"] or "") or None
        if self.secret and len(self.secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")
        self.public_key = load_public_key(config["JWT_PUBLIC_KEY"])
        self.jwks = jwks_client(config["JWT_JWKS_URL"])
        self.issuer = config["JWT_ISSUER"] or None
        self.audience = config["JWT_AUDIENCE"] or None
        self.role_claim = config["JWT_ROLE_CLAIM"]
        self.default_role = config["JWT_DEFAULT_ROLE"] or None
        if self.default_role not in (None, *PRINCIPAL_ROLES):
            raise ValueError(f"JWT_DEFAULT_ROLE must be one of {', '.join(PRINCIPAL_ROLES)}")

    @property
    def enabled(self) -> bool:
        """Whether any key is configured (without one, every JWT is refused)."""
        return bool(self.secret or self.public_key or self.jwks)

    def verify(self, token: str) -> tuple[dict, str]:
        """Return the claims and role of a valid token, or raise JwtRejected."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            # The algorithm is pinned by the configured key, never chosen by the token:
            # `none` and HS256-signed-with-the-public-key are refused here.
            if algorithm == "HS256" and self.secret:
                key = self.secret
            elif algorithm == "RS256" and self.public_key:
                key = self.public_key
            elif algorithm == "RS256" and self.jwks:
                key = self.jwks.get_signing_key_from_jwt(token).key
            else:
                raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not accepted")
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp"], "verify_aud": self.audience is not None},
            )
            check_numeric_dates(claims)
        except jwt.PyJWTError as exc:
            kind = next((k for cls, k in FAILURE_KINDS if isinstance(exc, cls)), "InvalidToken")
            raise JwtRejected(kind, str(exc) or kind) from exc
        return claims, self.role_of(claims)

    def role_of(self, claims: dict) -> str:
        """Read the role claim (a string, or a list whose highest known role wins)."""
        value = claims
        for part in self.role_claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            if self.default_role is None:
                raise JwtRejected("InvalidToken", f"missing role claim `{self.role_claim}`")
            return self.default_role
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        known = [name for name in PRINCIPAL_ROLES if name in names]
        if not known:
            raise JwtRejected("InvalidToken", f"role claim `{self.role_claim}` names no known role")
        return known[-1]


def check_numeric_dates(claims: dict) -> None:
    """Refuse date claims that are not JSON numbers (a string `exp` is not an expiry)."""
    for name in NUMERIC_DATE_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise jwt.InvalidTokenError(f"the `{name}` claim must be a number, not {value!r}")


def load_public_key(value: str) -> str | None:
    """Return PEM text given either the PEM itself or a path to it."""
    if not value:
        return None
    if value.lstrip().startswith("-----BEGIN"):
        return value
    return pathlib.Path(value).read_text()


def jwks_client(location: str):
    """Return a caching key source for an http(s) JWKS URL or a local JWKS file."""
    if not location:
        return None
    if urllib.parse.urlparse(location).scheme in ("http", "https"):
        return jwt.PyJWKClient(location, cache_keys=True)
    return JwksFile(location)


class JwksFile:
    """A JWKS in a local file, re-read when a token names an unknown `kid` (key rotation)."""

    def __init__(self, path: str):
        self.path = pathlib.Path(path)
        self.keys = self.load()

    def load(self) -> dict:
        """Read the file into `{kid: PyJWK}`."""
        try:
            text = self.path.read_text()
        except OSError as exc:
            raise jwt.PyJWKClientConnectionError(f"cannot read {self.path}: {exc}") from exc
        return {key.key_id: key for key in jwt.PyJWKSet.from_json(text).keys}

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        """Return the key named by the token's `kid`, as PyJWKClient does."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self.keys:
            self.keys = self.load()
        if kid not in self.keys:
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return self.keys[kid]
