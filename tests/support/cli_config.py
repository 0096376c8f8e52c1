"""Configuration for tests that run the `weerbaar` command line on a database alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def clear_weerbaar_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop every WEERBAAR_* variable (and systemd credentials): only the file counts."""
    for name in list(os.environ):
        if name.startswith("WEERBAAR_") or name == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(name)


def storage_only_config(config: Path, database: Path) -> Path:
    """Write ``config`` with nothing but ``[storage]`` on the SQLite file ``database``."""
    config.write_text(f'[storage]\nurl = "sqlite+aiosqlite:///{database}"\n')
    return config
