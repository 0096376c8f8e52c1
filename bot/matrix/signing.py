"""Signing JSON objects as the Matrix specification defines it (Ed25519, canonical JSON).

The signature covers the object without its ``signatures`` and ``unsigned`` members,
serialised as canonical JSON; it is stored, unpadded base64, under
``signatures[<user id>]["ed25519:<key id>"]``.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

ED25519 = "ed25519"


def unpadded_base64(data: bytes) -> str:
    """Base64 without trailing ``=``, the encoding Matrix uses for keys and signatures."""
    return base64.b64encode(data).rstrip(b"=").decode("ascii")


def decode_unpadded_base64(text: str) -> bytes:
    """The bytes of an unpadded (or padded) base64 string."""
    return base64.b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the bytes that get signed."""
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key, kept as its 32-byte seed."""

    seed: bytes

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random key."""
        return cls(ECC.generate(curve="Ed25519").seed)

    @property
    def public_key(self) -> str:
        """The public key, unpadded base64; also its key id in Matrix."""
        raw = self._key().public_key().export_key(format="raw")
        return unpadded_base64(raw)

    @property
    def key_id(self) -> str:
        """``ed25519:<public key>``, the name of the key in ``keys`` and ``signatures``."""
        return f"{ED25519}:{self.public_key}"

    def sign(self, message: bytes) -> str:
        """The signature of ``message``, unpadded base64."""
        return unpadded_base64(eddsa.new(self._key(), "rfc8032").sign(message))

    def _key(self) -> ECC.EccKey:
        return ECC.construct(curve="Ed25519", seed=self.seed)


def signable_bytes(obj: dict[str, Any]) -> bytes:
    """The canonical JSON of ``obj`` without ``signatures`` and ``unsigned``."""
    return canonical_json(
        {name: value for name, value in obj.items() if name not in ("signatures", "unsigned")}
    )


def sign_json(obj: dict[str, Any], user_id: str, key: SigningKey) -> dict[str, Any]:
    """A copy of ``obj`` (without ``unsigned``) with ``key``'s signature added for ``user_id``."""
    signed = {name: value for name, value in copy.deepcopy(obj).items() if name != "unsigned"}
    signature = key.sign(signable_bytes(obj))
    signed.setdefault("signatures", {}).setdefault(user_id, {})[key.key_id] = signature
    return signed


def cross_signing_key(user_id: str, usage: str, key: SigningKey) -> dict[str, Any]:
    """The unsigned public description of a cross-signing key (``master``, ``self_signing``)."""
    return {"user_id": user_id, "usage": [usage], "keys": {key.key_id: key.public_key}}
