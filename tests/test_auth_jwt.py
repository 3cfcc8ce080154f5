"""JWT bearer tokens: HS256 shared secret, RS256 public key, RS256 JWKS from a file or a URL."""

import base64
import contextlib
import http.server
import json
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from tests.server import free_port

ISSUER = "https://login.example"
AUDIENCE = "feldera-api"
HS_SECRET = "a-shared-secret-of-at-least-32-bytes!"


@pytest.fixture(scope="module")
def rsa_keys():
    """Two RSA private keys: the trusted one and an impostor's."""
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


def public_pem(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def jwks(private_key, kid: str = "k1") -> dict:
    key = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {"keys": [{**key, "kid": kid, "alg": "RS256", "use": "sig"}]}


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def unsigned(payload: dict) -> str:
    """A token with `alg: none` and no signature."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def make_client(tmp_path, **settings):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "jwt.sqlite3"),
            "SECRET_KEY": "jwt-tests-secret-of-at-least-32-bytes",
            "AUTH": "bearer",
            "JWT_ISSUER": ISSUER,
            **settings,
        }
    )
    return app.test_client()


def session(client, token: str):
    return client.get("/v0/config/session", headers={"Authorization": f"Bearer {token}"})


def assert_rejected(client, token: str, kind: str):
    response = session(client, token)
    assert response.status_code == 401, response.json
    assert response.json["error_code"] == "AuthenticationFailed"
    assert response.headers["WWW-Authenticate"] == f'Bearer error_description="{kind}"'


def test_hs256(tmp_path):
    client = make_client(tmp_path, JWT_SECRET=HS_SECRET)
    valid = session(client, jwt.encode(claims(), HS_SECRET, algorithm="HS256"))
    assert (valid.status_code, valid.json["role"]) == (200, "write")  # JWT_DEFAULT_ROLE

    reader = jwt.encode(claims(role="read"), HS_SECRET, algorithm="HS256")
    assert session(client, reader).json["role"] == "read"
    headers = {"Authorization": f"Bearer {reader}"}
    assert client.post("/v0/api_keys", json={"name": "x"}, headers=headers).status_code == 403

    def sign(payload, secret=HS_SECRET):
        return jwt.encode(payload, secret, algorithm="HS256")

    assert_rejected(client, sign(claims(exp=int(time.time()) - 3600)), "ExpiredSignature")
    assert_rejected(client, sign(claims(aud="someone-else")), "InvalidAudience")
    assert_rejected(client, sign(claims(iss="https://evil.example")), "InvalidIssuer")
    assert_rejected(
        client, sign(claims(), "another-secret-of-at-least-32-bytes"), "InvalidSignature"
    )
    assert_rejected(client, unsigned(claims()), "InvalidAlgorithm")
    assert_rejected(client, sign(claims(exp=None)), "MissingRequiredClaim")
    assert_rejected(client, sign(claims(role="owner")), "InvalidToken")
    assert_rejected(client, "a.b.c", "InvalidToken")


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": str(int(time.time()) + 600)},  # PyJWT alone would read it as a number
        {"exp": int(time.time()) + 600, "nbf": str(int(time.time()) - 60)},
        {"iat": str(int(time.time()))},
        {"nbf": True},  # PyJWT: 1970
    ],
    ids=["exp", "nbf", "iat", "nbf-boolean"],
)
def test_date_claims_must_be_numbers(tmp_path, overrides):
    client = make_client(tmp_path, JWT_SECRET=HS_SECRET)
    token = jwt.encode(claims(**overrides), HS_SECRET, algorithm="HS256")
    assert_rejected(client, token, "InvalidToken")


def test_a_token_not_valid_yet_names_its_failure(tmp_path):
    client = make_client(tmp_path, JWT_SECRET=HS_SECRET)
    later = int(time.time()) + 3600  # beyond the 60 s leeway
    token = jwt.encode(claims(nbf=later), HS_SECRET, algorithm="HS256")
    assert_rejected(client, token, "ImmatureSignature")
    within_leeway = jwt.encode(claims(nbf=int(time.time()) + 30), HS_SECRET, algorithm="HS256")
    assert session(client, within_leeway).status_code == 200


def test_role_claim_and_default_are_configurable(tmp_path):
    client = make_client(
        tmp_path,
        JWT_SECRET=HS_SECRET,
        JWT_ROLE_CLAIM="realm_access.roles",
        JWT_DEFAULT_ROLE="",
        JWT_AUDIENCE="",
    )
    nested = claims(aud=None, realm_access={"roles": ["offline_access", "read", "write"]})
    assert session(client, jwt.encode(nested, HS_SECRET, algorithm="HS256")).json["role"] == "write"
    assert_rejected(client, jwt.encode(claims(), HS_SECRET, algorithm="HS256"), "InvalidToken")


def test_rs256_public_key(tmp_path, rsa_keys):
    trusted, impostor = rsa_keys
    pem_file = tmp_path / "public.pem"
    pem_file.write_text(public_pem(trusted))
    for setting in (str(pem_file), public_pem(trusted)):
        client = make_client(tmp_path, JWT_PUBLIC_KEY=setting)
        token = jwt.encode(claims(role="admin"), trusted, algorithm="RS256")
        assert session(client, token).json["role"] == "admin"
        expired = jwt.encode(claims(exp=int(time.time()) - 3600), trusted, algorithm="RS256")
        assert_rejected(client, expired, "ExpiredSignature")
        assert_rejected(
            client, jwt.encode(claims(), impostor, algorithm="RS256"), "InvalidSignature"
        )
        # Algorithm confusion: the public key used as an HMAC secret.
        confused = jwt.encode(claims(), "x" * 40, algorithm="HS256")
        assert_rejected(client, confused, "InvalidAlgorithm")
        assert_rejected(client, unsigned(claims()), "InvalidAlgorithm")


def test_rs256_jwks_file(tmp_path, rsa_keys):
    trusted, impostor = rsa_keys
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks(trusted)))
    client = make_client(tmp_path, JWT_JWKS_URL=str(jwks_file))

    def sign(payload, key=trusted, kid="k1"):
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})

    assert session(client, sign(claims())).status_code == 200
    assert_rejected(client, sign(claims(exp=int(time.time()) - 3600)), "ExpiredSignature")
    assert_rejected(client, sign(claims(aud="other")), "InvalidAudience")
    assert_rejected(client, sign(claims(iss="https://evil.example")), "InvalidIssuer")
    assert_rejected(client, sign(claims(), key=impostor), "InvalidSignature")
    assert_rejected(
        client,
        sign(claims(), key=impostor, kid="k9"),
        "Authentication failed - JWT key format error",
    )
    assert_rejected(client, unsigned(claims()), "InvalidAlgorithm")
    # Rotation: a new kid in the file is picked up without a restart.
    jwks_file.write_text(json.dumps(jwks(impostor, kid="k2")))
    assert session(client, sign(claims(), key=impostor, kid="k2")).status_code == 200


@contextlib.contextmanager
def jwks_server(document: dict):
    """Serve the JWKS document on a loopback port; yield its URL and the request count."""
    body = json.dumps(document).encode()
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_rs256_jwks_url(tmp_path, rsa_keys):
    trusted, impostor = rsa_keys
    with jwks_server(jwks(trusted)) as (url, hits):
        client = make_client(tmp_path, JWT_JWKS_URL=url)

        def sign(payload, key=trusted):
            return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "k1"})

        for _ in range(3):
            assert session(client, sign(claims())).status_code == 200
        assert len(hits) == 1  # the key set is cached on the app
        assert_rejected(client, sign(claims(exp=int(time.time()) - 3600)), "ExpiredSignature")
        assert_rejected(client, sign(claims(aud="other")), "InvalidAudience")
        assert_rejected(client, sign(claims(iss="https://evil.example")), "InvalidIssuer")
        assert_rejected(client, sign(claims(), key=impostor), "InvalidSignature")
        assert_rejected(client, unsigned(claims()), "InvalidAlgorithm")


def test_unreachable_jwks(tmp_path, rsa_keys):
    client = make_client(tmp_path, JWT_JWKS_URL=f"http://127.0.0.1:{free_port()}/jwks.json")
    token = jwt.encode(claims(), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"})
    assert_rejected(client, token, "Authentication failed - unable to fetch JWT keys")


def test_jwt_without_configured_keys_is_refused(tmp_path):
    client = make_client(tmp_path)
    response = session(client, jwt.encode(claims(), HS_SECRET, algorithm="HS256"))
    assert response.status_code == 401


def test_short_hs256_secret_is_refused(tmp_path):
    with pytest.raises(ValueError, match="JWT_SECRET"):
        make_client(tmp_path, JWT_SECRET="short")
