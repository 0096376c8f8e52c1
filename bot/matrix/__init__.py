"""Matrix transport: the raising client, the durable outbox, the sync loop and room adapters."""
