"""Continuity playbooks (draaiboeken): the YAML format, its safe loader and its JSON Schema.

Import from the modules (``bot.playbooks.loader``, ``.schema``, ``.durations``): this package
re-exports nothing, so that settings, which only parse durations, load no playbook schema.
"""
