"""Retention: recording exports of decision logs and purging closed situations after them."""
