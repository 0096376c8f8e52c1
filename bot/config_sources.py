"""Merging the settings sources (environment, secret files, config file) into one.

pydantic-settings merges sources key by key but replaces lists whole, so a source's
secret given in the environment (``WEERBAAR_INTAKE__SOURCES='[{"name": "prom",
"secret": "..."}]'``) would drop the ``kind`` and ``auth`` the config file gives that
source. Here lists merge too: entries with the same ``name`` merge, and an indexed
variable (``WEERBAAR_INTAKE__SOURCES__0__SECRET``) sets a field of the entry at that
position.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsError,
)

T = TypeVar("T")


def _is_indexed(value: object) -> bool:
    """``{"0": ..., "1": ...}``: how nested variables spell the items of a list."""
    return isinstance(value, dict) and bool(value) and all(str(key).isdecimal() for key in value)


def _from_indexes(value: object) -> object:
    """An indexed dict as a list in index order; anything else unchanged."""
    if _is_indexed(value):
        assert isinstance(value, dict)
        return [value[key] for key in sorted(value, key=int)]
    return value


# A list setting that can also be given item by item (``..._0__FIELD``).
IndexedList = Annotated[list[T], BeforeValidator(_from_indexes)]


def _named(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def merge_settings(lower: Any, higher: Any) -> Any:
    """``higher`` over ``lower``: dicts by key, lists of named entries by name or index."""
    if isinstance(lower, dict) and isinstance(higher, dict):
        merged = dict(lower)
        for key, value in higher.items():
            merged[key] = merge_settings(lower[key], value) if key in lower else value
        return merged
    if isinstance(lower, list) and _is_indexed(higher):
        items = list(lower)
        for key in sorted(higher, key=int):
            index = int(key)
            if index < len(items):
                items[index] = merge_settings(items[index], higher[key])
            else:
                items.append(higher[key])
        return items
    if isinstance(lower, list) and isinstance(higher, list) and _named(lower) and _named(higher):
        items = list(lower)
        positions = {item["name"]: index for index, item in enumerate(items)}
        for item in higher:
            if item["name"] in positions:
                index = positions[item["name"]]
                items[index] = merge_settings(items[index], item)
            else:
                items.append(item)
        return items
    return higher


class UnreadableSource(Exception):
    """A source holds a value that cannot be read at all (JSON that does not parse).

    The message is one line naming the setting and where it came from; never the value,
    which may be a secret.
    """


# pydantic-settings names the field only in its message: 'error parsing value for field
# "intake" from source "EnvSettingsSource"'.
_FIELD = re.compile(r'field "(?P<field>[^"]+)"')


def _unreadable(exc: SettingsError, source: PydanticBaseSettingsSource) -> UnreadableSource:
    """``exc`` of ``source`` as one line: the setting, why, and the variable or file."""
    match = _FIELD.search(str(exc))
    field = match["field"] if match else None
    name = f"weerbaar_{field}" if field else "weerbaar_*"
    if isinstance(source, NestedSecretsSettingsSource):  # before: it is an EnvSettingsSource
        folders = source.secrets_dir if isinstance(source.secrets_dir, list | tuple) else []
        where = ", ".join(str(Path(folder)) for folder in folders or [source.secrets_dir])
        origin = f"secret file {name} or {name}__* in {where}"
    elif isinstance(source, EnvSettingsSource):
        origin = f"environment variable {name.upper()} or {name.upper()}__*"
    else:
        origin = type(source).__name__
    # A JSONDecodeError says where the JSON breaks, not what it holds: safe to show.
    cause = exc.__cause__
    why = f"not valid JSON ({cause})" if isinstance(cause, json.JSONDecodeError) else str(exc)
    return UnreadableSource(f"setting {field or '(settings)'}: {why} ({origin})")


class MergedSettingsSource(PydanticBaseSettingsSource):
    """Several sources, highest priority first, merged by ``merge_settings``."""

    def __init__(
        self, settings_cls: type[BaseSettings], sources: Sequence[PydanticBaseSettingsSource]
    ) -> None:
        super().__init__(settings_cls)
        self._sources = sources

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: ``__call__`` asks the merged sources for all their values at once."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for source in reversed(self._sources):
            try:
                values = source()
            except SettingsError as exc:
                raise _unreadable(exc, source) from None
            merged = merge_settings(merged, values)
        return merged
