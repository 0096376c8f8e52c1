"""The body of ``POST /heartbeat/<source>``: any JSON object, ``{}`` will do.

The body only carries the signature (an empty object signed like an alert); what it
contains is not used, so a sender may add its own fields.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Heartbeat(BaseModel):
    """An explicit sign of life from a source that has nothing to report."""

    model_config = ConfigDict(extra="allow")
