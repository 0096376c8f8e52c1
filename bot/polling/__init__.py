"""Feed pollers: Atlassian Statuspage, RSS/Atom and CSAF 2.0 advisories become alerts."""
