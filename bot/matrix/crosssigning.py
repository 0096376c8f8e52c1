"""Cross-signing the bot's own device, so clients treat it as verified by its owner.

matrix-nio has no cross-signing. Clients increasingly refuse to share room keys with
devices their owner has not cross-signed, so on every start the bot makes sure that

1. its account has a master and a self-signing key whose private halves are in the
   crypto store (generated once; uploaded, with password authentication when the
   homeserver asks for it), and
2. its device key carries the self-signing key's signature.

Both steps are skipped when already done, so a restart changes nothing. The private
keys live in one file in the crypto store directory, readable by the owner only and
encrypted (AES-256-GCM) with a key derived from the configured pickle key.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt
from Crypto.Random import get_random_bytes

from bot.matrix.client import MatrixClient, MatrixError
from bot.matrix.signing import (
    SigningKey,
    cross_signing_key,
    decode_unpadded_base64,
    sign_json,
    unpadded_base64,
)

log = logging.getLogger(__name__)

KEY_FILE_NAME = "cross_signing_keys.json"
KEYS_QUERY = "/_matrix/client/v3/keys/query"
SIGNING_KEYS_UPLOAD = "/_matrix/client/v3/keys/device_signing/upload"
SIGNATURES_UPLOAD = "/_matrix/client/v3/keys/signatures/upload"
PASSWORD_LOGIN = "m.login.password"
_FILE_VERSION = 1
# scrypt cost: about 50 ms once per start; the pickle key is meant to be long and random.
_SCRYPT_N = 2**14


class CrossSigningError(Exception):
    """The stored cross-signing keys cannot be read (wrong pickle key or damaged file)."""


@dataclass(frozen=True)
class CrossSigningKeys:
    """The private master and self-signing keys of the bot's account."""

    master: SigningKey
    self_signing: SigningKey

    @classmethod
    def generate(cls) -> CrossSigningKeys:
        """A new pair."""
        return cls(SigningKey.generate(), SigningKey.generate())


class KeyFile:
    """The cross-signing keys on disk: mode 0600, encrypted with the pickle key."""

    def __init__(self, path: Path, pickle_key: str, user_id: str) -> None:
        self.path = path
        self._pickle_key = pickle_key.encode("utf-8")
        # Bound to the account: a file copied to another bot does not decrypt there.
        self._associated = user_id.encode("utf-8")

    def load(self) -> CrossSigningKeys | None:
        """The stored keys, or None if none were stored yet."""
        try:
            stored = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise CrossSigningError(f"cannot read {self.path}: {exc}") from None
        try:
            cipher = AES.new(
                self._derive(decode_unpadded_base64(stored["salt"])),
                AES.MODE_GCM,
                nonce=decode_unpadded_base64(stored["nonce"]),
            )
            cipher.update(self._associated)
            plain = cipher.decrypt_and_verify(
                decode_unpadded_base64(stored["ciphertext"]), decode_unpadded_base64(stored["tag"])
            )
            seeds = json.loads(plain)
            return CrossSigningKeys(
                SigningKey(decode_unpadded_base64(seeds["master"])),
                SigningKey(decode_unpadded_base64(seeds["self_signing"])),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CrossSigningError(
                f"cannot decrypt {self.path}: wrong encryption.pickle_key or a damaged file"
                f" ({type(exc).__name__})"
            ) from None

    def save(self, keys: CrossSigningKeys) -> None:
        """Store ``keys``, replacing the file atomically."""
        salt = get_random_bytes(16)
        cipher = AES.new(self._derive(salt), AES.MODE_GCM)
        cipher.update(self._associated)
        seeds = {
            "master": unpadded_base64(keys.master.seed),
            "self_signing": unpadded_base64(keys.self_signing.seed),
        }
        ciphertext, tag = cipher.encrypt_and_digest(json.dumps(seeds).encode("utf-8"))
        document = {
            "version": _FILE_VERSION,
            "kdf": "scrypt",
            "cipher": "aes-256-gcm",
            "salt": unpadded_base64(salt),
            "nonce": unpadded_base64(cipher.nonce),
            "ciphertext": unpadded_base64(ciphertext),
            "tag": unpadded_base64(tag),
        }
        temporary = self.path.with_suffix(".tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(document, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)

    def _derive(self, salt: bytes) -> bytes:
        key = scrypt(self._pickle_key, salt, key_len=32, N=_SCRYPT_N, r=8, p=1)
        assert isinstance(key, bytes)
        return key


@dataclass(frozen=True)
class PublishedKeys:
    """What the homeserver has for the bot's account and device."""

    master: str | None
    self_signing: str | None
    device: dict[str, Any] | None


class CrossSigning:
    """Bootstraps cross-signing for the bot's own account and device."""

    def __init__(self, client: MatrixClient, key_file: KeyFile, password: str | None) -> None:
        self._client = client
        self._key_file = key_file
        self._password = password

    async def ensure(self) -> bool:
        """Make sure the device is signed by the account's self-signing key.

        Returns False (after one warning) when the homeserver wants a password to
        accept the keys and none is configured; raises MatrixError when it fails.
        The device keys must have been uploaded before.
        """
        published = await self._published()
        keys = self._key_file.load()
        if keys is None:
            keys = CrossSigningKeys.generate()
            # Stored before the upload: a crash in between leaves keys to upload next time.
            self._key_file.save(keys)
        if (published.master, published.self_signing) != (
            keys.master.public_key,
            keys.self_signing.public_key,
        ):
            if published.master is not None:
                log.warning(
                    "the account %s has cross-signing keys this bot does not hold (crypto "
                    "store lost or keys reset elsewhere); replacing them: other users will "
                    "see that its identity changed",
                    self._client.user_id,
                )
            if not await self._upload_keys(keys):
                return False
        if published.device is None:
            raise MatrixError("cross-signing", "the device keys are not on the homeserver yet")
        await self._sign_device(published.device, keys.self_signing)
        return True

    async def _published(self) -> PublishedKeys:
        user_id = self._client.user_id
        answer = await self._post("keys query", KEYS_QUERY, {"device_keys": {user_id: []}})
        return PublishedKeys(
            master=_public_key(answer.get("master_keys", {}).get(user_id)),
            self_signing=_public_key(answer.get("self_signing_keys", {}).get(user_id)),
            device=answer.get("device_keys", {}).get(user_id, {}).get(self._client.device_id),
        )

    async def _upload_keys(self, keys: CrossSigningKeys) -> bool:
        user_id = self._client.user_id
        master = sign_json(cross_signing_key(user_id, "master", keys.master), user_id, keys.master)
        self_signing = sign_json(
            cross_signing_key(user_id, "self_signing", keys.self_signing), user_id, keys.master
        )
        body: dict[str, Any] = {"master_key": master, "self_signing_key": self_signing}
        status, answer = await self._client.request_json(
            "cross-signing upload", "POST", SIGNING_KEYS_UPLOAD, body
        )
        if status == 401 and "flows" in answer:
            offers_password = any(
                flow.get("stages") == [PASSWORD_LOGIN] for flow in answer.get("flows", [])
            )
            if self._password is None or not offers_password:
                log.warning(
                    "cannot set up cross-signing for %s: the homeserver asks for "
                    "authentication and no matrix.password is configured (or it offers no "
                    "password login); the bot's device stays unverified by its owner and "
                    "clients that require cross-signed devices will not share room keys",
                    user_id,
                )
                return False
            body["auth"] = {
                "type": PASSWORD_LOGIN,
                "identifier": {"type": "m.id.user", "user": user_id},
                "password": self._password,
                "session": answer.get("session"),
            }
            status, answer = await self._client.request_json(
                "cross-signing upload", "POST", SIGNING_KEYS_UPLOAD, body
            )
        _raise_unless_ok("cross-signing upload", status, answer)
        log.info("cross-signing keys of %s uploaded", user_id)
        return True

    async def _sign_device(self, device: dict[str, Any], self_signing: SigningKey) -> None:
        user_id = self._client.user_id
        if self_signing.key_id in device.get("signatures", {}).get(user_id, {}):
            return
        signed = sign_json(device, user_id, self_signing)
        answer = await self._post(
            "device signature upload", SIGNATURES_UPLOAD, {user_id: {device["device_id"]: signed}}
        )
        if answer.get("failures"):
            raise MatrixError("device signature upload", json.dumps(answer["failures"]))
        log.info("device %s of %s cross-signed", device["device_id"], user_id)

    async def _post(self, operation: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await self._client.request_json(operation, "POST", path, body)
        _raise_unless_ok(operation, status, answer)
        return answer


def _public_key(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return next(iter(key.get("keys", {}).values()), None)


def _raise_unless_ok(operation: str, status: int, answer: dict[str, Any]) -> None:
    if status != 200:
        raise MatrixError(
            operation,
            str(answer.get("error", "")),
            errcode=answer.get("errcode"),
            http_status=status,
            retry_after_ms=answer.get("retry_after_ms"),
        )
