"""Payload formats of the monitoring systems the intake understands, mapped to alerts."""
