"""Bearer JWTs (EdDSA): verified against configured public keys; development tokens minted locally."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from partyledger.infra.settings import AuthSettings
from partyledger.services.access import Actor, Role


class AuthenticationError(Exception):
    """No valid credentials: answered as UNAUTHENTICATED, with no detail about why."""


def load_or_create_dev_key(path: Path) -> Ed25519PrivateKey:
    """The local development signing key, created (mode 0600) on first use."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return key


def mint_token(  # noqa: PLR0913
    key: Ed25519PrivateKey, settings: AuthSettings, *, tenant: str, subject: str,
    roles: list[Role], organization_scope: list[uuid.UUID] | None = None,
    ttl_seconds: int | None = None,
) -> str:
    now = int(time.time())
    claims = {
        "iss": settings.issuer, "aud": settings.audience, "sub": subject, "iat": now,
        "exp": now + (ttl_seconds or settings.token_ttl_seconds), "jti": str(uuid.uuid4()),
        "tenant": tenant, "roles": [r.value for r in roles],
        "org_scope": [str(o) for o in organization_scope or []],
    }
    return jwt.encode(claims, key, algorithm="EdDSA")


VERIFIED_TOKENS = 10_000
"""How many verified tokens a process remembers (least recently used forgotten first)."""


class TokenVerifier:
    def __init__(self, settings: AuthSettings, keys: list[Ed25519PublicKey]) -> None:
        if not keys:
            raise ValueError("no public key configured to verify tokens")
        self.settings = settings
        self.keys = keys
        self._verified: OrderedDict[str, tuple[Actor, float]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: AuthSettings, *, trust_dev_key: bool) -> TokenVerifier:
        keys = [serialization.load_pem_public_key(pem.encode()) for pem in settings.public_keys_pem]
        if trust_dev_key:
            keys.append(load_or_create_dev_key(settings.dev_key_path).public_key())
        return cls(settings, [k for k in keys if isinstance(k, Ed25519PublicKey)])

    def actor(self, token: str) -> Actor:
        """The actor a valid token names. A token verified before is not verified again until
        it expires: the same bytes carry the same signature (tokens cannot be revoked early;
        they are short-lived, ``token_ttl_seconds``)."""
        with self._lock:
            known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        actor, expires = self._verify(token)
        with self._lock:
            self._verified[token] = (actor, expires)
            while len(self._verified) > VERIFIED_TOKENS:
                self._verified.popitem(last=False)
        return actor

    def _verify(self, token: str) -> tuple[Actor, float]:
        for key in self.keys:
            try:
                claims = jwt.decode(
                    token, key, algorithms=["EdDSA"], audience=self.settings.audience,
                    issuer=self.settings.issuer,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                raise AuthenticationError("invalid token") from None
            return _actor(claims), float(claims["exp"])  # type: ignore[arg-type]
        raise AuthenticationError("invalid token")


def _actor(claims: dict[str, object]) -> Actor:
    try:
        tenant, roles, scope = claims["tenant"], claims["roles"], claims.get("org_scope", [])
        if not isinstance(tenant, str) or not isinstance(roles, list) or not isinstance(scope, list):
            raise TypeError
        return Actor(
            subject=str(claims["sub"]), tenant=tenant, roles=frozenset(Role(r) for r in roles),
            organization_scope=frozenset(uuid.UUID(str(o)) for o in scope),
        )
    except (KeyError, TypeError, ValueError):
        raise AuthenticationError("invalid token claims") from None
