"""Feed pollers: status pages, RSS/Atom, CSAF advisories and early signals become alerts."""
