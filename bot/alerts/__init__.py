"""Alerts: incoming observations about suppliers."""
