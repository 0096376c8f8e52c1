"""Drives tests/interop/element_user.mjs: an Element-like user (matrix-js-sdk, Rust crypto).

The Node program reads one JSON request per line and answers each with one JSON line;
this wrapper sends a request and waits for its answer.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

INTEROP_DIR = Path(__file__).resolve().parent.parent / "interop"
PROGRAM = INTEROP_DIR / "element_user.mjs"
# Each request waits at most 20 s inside Node; this bounds a hung process.
ANSWER_TIMEOUT = 60.0


def missing_requirement() -> str | None:
    """Why the interop test cannot run here, or None when Node and its packages are there."""
    if shutil.which("node") is None:
        return "node is not installed (Node 20+ runs the matrix-js-sdk interop test)"
    if not (INTEROP_DIR / "node_modules" / "matrix-js-sdk").is_dir():
        return f"no node_modules in {INTEROP_DIR}: run `npm ci` there (.ci/run does)"
    return None


class ElementUser:
    """One logged-in matrix-js-sdk client in its own Node process."""

    def __init__(self, process: asyncio.subprocess.Process, login: dict[str, Any]) -> None:
        self._process = process
        self.user_id: str = login["user_id"]
        self.device_id: str = login["device_id"]

    @classmethod
    async def login(cls, homeserver: str, user_id: str, password: str) -> ElementUser:
        """Start Node, log in with a new device, set up Rust crypto and sync once."""
        node = shutil.which("node")
        assert node is not None
        process = await asyncio.create_subprocess_exec(
            node,
            str(PROGRAM),
            cwd=INTEROP_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=16 * 1024 * 1024,  # an answer carries a whole report file
        )
        try:
            login = await _exchange(
                process, {"homeserver": homeserver, "user": user_id, "password": password}
            )
        except BaseException:
            await _stop(process)
            raise
        return cls(process, login)

    async def request(self, op: str, **arguments: Any) -> dict[str, Any]:
        """Run one operation of the Node program and return its answer."""
        return await _exchange(self._process, {"op": op, **arguments})

    async def close(self) -> None:
        """Stop the client: closing stdin ends the Node program."""
        await _stop(self._process)


async def _exchange(process: asyncio.subprocess.Process, message: dict[str, Any]) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(message).encode() + b"\n")
    await process.stdin.drain()
    line = await asyncio.wait_for(process.stdout.readline(), ANSWER_TIMEOUT)
    assert line, f"the Node program exited (code {await process.wait()})"
    answer: dict[str, Any] = json.loads(line)
    assert answer.pop("ok"), answer["error"]
    return answer


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.stdin is not None:
        process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()
