"""Where the playbooks and exercises that ship with Weerbaar are installed."""

from __future__ import annotations

from pathlib import Path

# ``bot/shipped_playbooks`` is a symlink to the repository's ``playbooks/`` folder; the
# wheel holds a copy (package data), so the path works in a checkout, an editable install
# and a regular install alike.
SHIPPED_PLAYBOOKS_DIR = Path(__file__).resolve().parent.parent / "shipped_playbooks"
