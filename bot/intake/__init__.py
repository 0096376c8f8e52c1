"""The HTTP intake: signed webhooks in, alerts stored and announced."""
