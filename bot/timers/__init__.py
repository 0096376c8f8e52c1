"""Timer handlers: what runs when a durable timer fires, one module per area.

Handlers work on ``Services``, so they sit above the services and the domain areas that
schedule the timers, as the chat commands do.
"""
