"""Situations: a supplier problem tracked through its phases."""
