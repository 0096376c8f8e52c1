"""Registry identifiers of a supplier: company numbers and vulnerability-catalogue names.

Each number is checked the way its issuer defines it, so a typo is refused on import
instead of silently matching nothing (or another company) in a poller:

- SIREN (INSEE, France): 9 digits, Luhn check digit.
- CIK (US SEC): 1 to 10 digits, stored in EDGAR's 10-digit zero-padded form.
- LEI (ISO 17442): 18 alphanumerics and 2 check digits, ISO 7064 MOD 97-10.
- KvK number (Dutch Chamber of Commerce): 8 digits (no public check digit).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_LEI = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")


def luhn_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mod97_valid(code: str) -> bool:
    """ISO 7064 MOD 97-10: letters as 10..35, the whole number modulo 97 is 1."""
    return int("".join(str(int(char, 36)) for char in code)) % 97 == 1


def _compact(value: str) -> str:
    # Numbers are often written in groups ("552 100 554", "12.34.56.78").
    return re.sub(r"[\s.\-]", "", value)


class Identifiers(BaseModel):
    """A supplier's identifiers; every one optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    siren: str | None = Field(default=None, description="French SIREN (BODACC)")
    cik: str | None = Field(default=None, description="US SEC Central Index Key (EDGAR)")
    lei: str | None = Field(default=None, description="Legal Entity Identifier (GLEIF)")
    kvk: str | None = Field(default=None, description="Dutch Chamber of Commerce number")
    vulnerability_names: list[str] = Field(
        default_factory=list,
        description="Vendor and product names used in vulnerability catalogues (CISA KEV)",
    )

    @field_validator("siren", mode="before")
    @classmethod
    def _siren(cls, value: object) -> object:
        if not isinstance(value, str | int):
            return value
        siren = _compact(str(value))
        if not re.fullmatch(r"[0-9]{9}", siren):
            raise ValueError(f"a SIREN has 9 digits, got {str(value)!r}")
        if not luhn_valid(siren):
            raise ValueError(f"SIREN check digit is wrong in {siren!r}")
        return siren

    @field_validator("cik", mode="before")
    @classmethod
    def _cik(cls, value: object) -> object:
        if not isinstance(value, str | int):
            return value
        cik = _compact(str(value))
        if not re.fullmatch(r"[0-9]{1,10}", cik) or int(cik) == 0:
            raise ValueError(f"a CIK has 1 to 10 digits, got {str(value)!r}")
        return cik.zfill(10)  # EDGAR's file names use the 10-digit form

    @field_validator("lei", mode="before")
    @classmethod
    def _lei(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        lei = _compact(value).upper()
        if not _LEI.fullmatch(lei):
            raise ValueError(f"an LEI has 18 letters or digits and 2 check digits, got {value!r}")
        if not mod97_valid(lei):
            raise ValueError(f"LEI check digits are wrong in {lei!r}")
        return lei

    @field_validator("kvk", mode="before")
    @classmethod
    def _kvk(cls, value: object) -> object:
        if not isinstance(value, str | int):
            return value
        kvk = _compact(str(value)).zfill(8) if isinstance(value, int) else _compact(value)
        if not re.fullmatch(r"[0-9]{8}", kvk):
            raise ValueError(f"a KvK number has 8 digits, got {str(value)!r}")
        return kvk

    @field_validator("vulnerability_names")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        names = [" ".join(name.split()) for name in value]
        if any(not name or len(name) > 200 for name in names):
            raise ValueError("vulnerability names must be 1 to 200 characters")
        return names
