"""Backups encrypted in the age format (age-encryption.org), readable with the ``age`` tool.

A backup is encrypted to one or more public keys (recipients): ``age1…`` X25519 keys as
``age-keygen`` or pyrage make them. Any one matching private key (an identity file, as
``age-keygen -o`` writes it) decrypts it, so ``age -d -i key.txt backup.age | gunzip``
reads it without Weerbaar.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pyrage

# Every age file starts with this line (the format's version line).
AGE_MAGIC = b"age-encryption.org/v1\n"
_SECRET_KEY_PREFIX = "AGE-SECRET-KEY-"


class AgeError(ValueError):
    """A key cannot be used or does not decrypt; the message says which and why."""


def recipients(texts: list[str]) -> list[Any]:
    """The age recipients named by ``texts`` (``age1…`` public keys)."""
    parsed = []
    for text in texts:
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(text.strip()))
        except pyrage.RecipientError as exc:
            raise AgeError(f"--recipient {text!r} is not an age public key: {exc}") from None
    return parsed


def identities(key_file: Path) -> list[Any]:
    """The private keys in ``key_file``: one ``AGE-SECRET-KEY-…`` per line, ``#`` comments."""
    try:
        lines = key_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AgeError(f"cannot read the identity file {key_file}: {exc}") from None
    keys = [line.strip() for line in lines if line.strip().startswith(_SECRET_KEY_PREFIX)]
    if not keys:
        raise AgeError(f"{key_file} holds no age private key (AGE-SECRET-KEY-…)")
    try:
        return [pyrage.x25519.Identity.from_str(key) for key in keys]
    except pyrage.IdentityError as exc:
        raise AgeError(f"{key_file} holds a damaged age private key: {exc}") from None


def is_encrypted(source: IO[bytes]) -> bool:
    """Whether the file open in ``source`` is age-encrypted; leaves it at its start."""
    source.seek(0)
    start = source.read(len(AGE_MAGIC))
    source.seek(0)
    return start == AGE_MAGIC


def encrypt(plain: IO[bytes], out: IO[bytes], to: list[Any]) -> None:
    """Encrypt all of ``plain`` (from its start) into ``out`` for the recipients ``to``."""
    plain.seek(0)
    pyrage.encrypt_io(plain, out, to)


def decrypt(encrypted: IO[bytes], out: IO[bytes], keys: list[Any]) -> None:
    """Decrypt ``encrypted`` into ``out``; AgeError when none of ``keys`` opens it."""
    encrypted.seek(0)
    try:
        pyrage.decrypt_io(encrypted, out, keys)
    except pyrage.DecryptError as exc:
        raise AgeError(f"cannot decrypt: {exc} (is it the identity for this backup?)") from None
    except OSError as exc:
        # pyrage reports a payload cut short or altered after a sound header as a bare
        # OSError ("decryption error"): the key was right, the file is not.
        raise AgeError(f"cannot decrypt: {exc}; the file is damaged or truncated") from None
