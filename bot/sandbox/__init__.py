"""Throwaway Matrix homeservers for `weerbaar sandbox` and the test-suite."""
