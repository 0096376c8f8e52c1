"""``python -m bot`` is the ``weerbaar`` command line."""

from bot.cli import app

app(prog_name="weerbaar")
