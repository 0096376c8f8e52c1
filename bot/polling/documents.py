"""Reading a fetched JSON document into a pydantic model, refusing it in one line."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.polling.fetch import FeedError

M = TypeVar("M", bound=BaseModel)


def read_json(body: bytes, model: type[M], what: str) -> M:
    """``body`` as ``model``; FeedError "not <what>: <first problem>" when it is not one."""
    try:
        return model.model_validate(json.loads(body))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise FeedError(f"not {what}: {where}: {first['msg']}"[:300]) from None
    except ValueError as exc:  # JSON syntax, or bytes that are not text
        raise FeedError(f"not {what}: {exc}"[:300]) from None
