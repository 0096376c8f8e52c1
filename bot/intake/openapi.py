"""The OpenAPI document of the intake, generated from the payload models.

The document is kept in the repository (``openapi.json`` beside this module) and served
as is; a test checks that it still matches the models and the routes. Regenerate it with
``python -m bot.intake.openapi``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from bot.alerts.model import IncomingAlert
from bot.intake.formats.alertmanager import AlertmanagerWebhook
from bot.intake.formats.heartbeat import Heartbeat
from bot.intake.formats.pagerduty import PagerDutyEvent
from bot.intake.server import OPENAPI_FILE

_REF = "#/components/schemas/{model}"
_SOURCE = {
    "name": "source",
    "in": "path",
    "required": True,
    "description": "Name of the source in intake.sources",
    "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$"},
}
_REFUSALS = {
    "400": "Body is not JSON, or not in the encoding it claims (malformed_json)",
    "401": "Missing or wrong signature, timestamp or bearer token (unauthorised)",
    "404": "No source of this kind and name is configured (unknown_source)",
    "408": "The body did not arrive within intake.read_timeout_seconds (timeout)",
    "409": "The same signed request was already accepted (replayed)",
    "413": "Body larger than the source's max_body_bytes (too_large)",
    "422": "Body does not fit the schema (invalid_alert) or names a supplier not in the "
    "registry when the source requires one (unknown_supplier)",
}


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=_REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _post(summary: str, body: dict[str, str], answer: str, *, named: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "202": {
            "description": "Stored (committed before the answer)",
            "content": {"application/json": {"schema": {"$ref": _REF.format(model=answer)}}},
        }
    }
    for status, description in _REFUSALS.items():
        if status == "404" and not named:
            continue
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"hmac": []}, {"bearer": []}] if named else [{"hmac": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": responses,
    }
    if named:
        operation["parameters"] = [_SOURCE]
    return {"post": operation}


_OUTCOME = {
    "type": "object",
    "properties": {
        "id": {"type": ["integer", "null"], "description": "The alert concerned"},
        "status": {
            "type": "string",
            "enum": ["accepted", "updated", "acknowledged", "resolved", "ignored"],
        },
    },
    "required": ["id", "status"],
}


def build_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document describing every route of the intake."""
    schemas: dict[str, Any] = {}
    generic = _schema(IncomingAlert, schemas)
    alertmanager = _schema(AlertmanagerWebhook, schemas)
    pagerduty = _schema(PagerDutyEvent, schemas)
    heartbeat = _schema(Heartbeat, schemas)
    schemas["Error"] = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "detail": {}},
        "required": ["error", "detail"],
    }
    schemas["Outcome"] = _OUTCOME
    schemas["AlertmanagerAnswer"] = {
        "type": "object",
        "properties": {
            "status": {"const": "accepted"},
            "alerts": {"type": "array", "items": {"$ref": _REF.format(model="Outcome")}},
        },
    }
    schemas["PagerDutyAnswer"] = {
        "type": "object",
        "properties": {
            "status": {"const": "success"},
            "message": {"type": "string"},
            "dedup_key": {"type": "string"},
            "alert": {"$ref": _REF.format(model="Outcome")},
        },
    }
    schemas["HeartbeatAnswer"] = {
        "type": "object",
        "properties": {"status": {"const": "accepted"}, "source": {"type": "string"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Weerbaar alert intake",
            "version": "1",
            "description": "Alerts about suppliers, from monitoring into the taskforce's "
            "coordination room. HMAC: X-Weerbaar-Timestamp (Unix seconds, at most 300 s "
            "off) and X-Weerbaar-Signature: sha256=<hex HMAC-SHA256 of "
            "'<timestamp>.<raw body>'>. Bearer: Authorization: Bearer <token>.",
        },
        "paths": {
            "/alerts": _post(
                "One alert in the generic format, signed with intake.hmac_secret",
                generic,
                "Outcome",
                named=False,
            ),
            "/alerts/generic/{source}": _post(
                "One alert in the generic format from a configured source",
                generic,
                "Outcome",
                named=True,
            ),
            "/alerts/alertmanager/{source}": _post(
                "Prometheus Alertmanager webhook (version 4): firing and resolved alerts",
                alertmanager,
                "AlertmanagerAnswer",
                named=True,
            ),
            "/alerts/pagerduty/{source}": _post(
                "PagerDuty Events API v2 event: trigger, acknowledge or resolve",
                pagerduty,
                "PagerDutyAnswer",
                named=True,
            ),
            "/heartbeat/{source}": _post(
                "A sign of life from a source with nothing to report (any JSON object, "
                "e.g. {}); 'generic' is the default source of POST /alerts",
                heartbeat,
                "HeartbeatAnswer",
                named=True,
            ),
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "The OpenAPI document"}},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Health: database reachable; on the active instance also "
                    "sync recent and outbox running; role and outbox backlog",
                    "responses": {
                        "200": {"description": "Healthy"},
                        "503": {"description": "Unhealthy; the body says which part"},
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics (text exposition format)",
                    "responses": {"200": {"description": "The metrics"}},
                }
            },
        },
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "hmac": {"type": "apiKey", "in": "header", "name": "X-Weerbaar-Signature"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def render() -> str:
    """The document as it is stored: indented JSON with a final newline."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OPENAPI_FILE.write_text(render(), encoding="utf-8")
