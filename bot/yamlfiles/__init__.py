"""YAML files written by people: playbooks, exercise scenarios and the supplier registry.

One safe reader (``safe``), one way to name a place in a document (``paths``) and one
loader (``loader``) that validates a file against a pydantic model and reports every
problem as ``file:line: field: message``, so all three kinds of file are refused for the
same reasons in the same words.
"""
