"""One line instead of a traceback when a command fails for an expected reason.

An unreachable intake, homeserver or database, a missing file, an unreadable config or
wrong arguments are the operator's to fix: they get what failed, where, and what to
check, on one line, and a non-zero exit. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

# typer 0.29 vendors click: these are the classes its parser raises.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from bot.matrix.errors import MatrixError  # not .client: that loads matrix-nio

FAILED = 1


def describe_failure(exc: BaseException) -> str | None:
    """What failed and what to check, on one line; None for an unexpected error (a bug)."""
    detail = " ".join(str(exc).splitlines()[0].split()) if str(exc) else type(exc).__name__
    # The libraries' errors are checked only once loaded: an error of a library no module
    # imported cannot have been raised, and importing aiohttp and SQLAlchemy here would slow
    # the start of every command, --help and the offline ones included.
    http_errors: tuple[type[BaseException], ...] = (TimeoutError,)
    if "aiohttp" in sys.modules:
        import aiohttp

        if isinstance(exc, aiohttp.ClientConnectorError):
            return (
                f"cannot connect to {exc.host}:{exc.port} ({exc.os_error.strerror or exc}); "
                "check that the service runs there and the URL (--url, intake.host/intake.port "
                "or matrix.homeserver)"
            )
        http_errors += (aiohttp.ClientError,)
    if isinstance(exc, http_errors):
        return f"HTTP request failed: {detail}; check the URL and the service"
    if isinstance(exc, MatrixError):
        return f"homeserver: {detail}; check matrix.homeserver and the bot's credentials"
    if _from_database(exc):
        return f"database: {detail}; check storage.url and that the database runs"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or detail}:{where}; check the path and its permissions"
    return None


def _from_database(exc: BaseException) -> bool:
    if "sqlalchemy" in sys.modules:  # only once loaded, as in describe_failure
        import sqlalchemy.exc

        if isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
            return True
    # asyncpg raises plain OSError (connection refused) and its own errors on connect,
    # outside SQLAlchemy's wrapping; they come from the storage.url connection.
    module = type(exc).__module__
    return module.startswith("asyncpg") or (
        isinstance(exc, OSError) and "Connect call failed" in str(exc)
    )


class OneLineErrors(TyperGroup):
    """The root command: expected failures and usage errors as one line on stderr."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; exit as click does, with expected failures on one line."""
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except NoArgsIsHelpError as exc:
            exc.show()
            result = exc.exit_code
        except UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "weerbaar"
            message = " ".join(exc.format_message().split())
            typer.echo(f"{command}: {message} (see {command} --help)", err=True)
            result = exc.exit_code
        except ClickException as exc:
            typer.echo(f"weerbaar: {' '.join(exc.format_message().split())}", err=True)
            result = exc.exit_code
        except typer.Abort:
            typer.echo("weerbaar: aborted", err=True)
            result = FAILED
        except Exception as exc:
            described = describe_failure(exc)
            if described is None:
                raise
            typer.echo(f"weerbaar: {described}", err=True)
            result = FAILED
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)
