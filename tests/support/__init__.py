"""Helpers shared by the test modules: clocks, fakes, factories, homeserver helpers."""
