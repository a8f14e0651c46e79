"""JSON Schema files of the public events: generated from ``integration.public``, shipped as files.

Run ``python -m integration.schemas`` to write them after changing a public shape (and bump
the type's version if the change can break a consumer); a test fails while they differ.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from integration.public import EVENT_TYPES, EventType

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def file_name(kind: EventType) -> str:
    return f"{kind.name}.v{kind.version}.json"


def generate(kind: EventType) -> dict[str, Any]:
    """The JSON Schema of one event type's whole envelope, as its JSON is serialised."""
    schema = _open(kind.envelope.model_json_schema(mode="serialization"))
    return {"$schema": DIALECT, "$id": file_name(kind), **schema}


def _open(schema: Any) -> Any:
    """The schema without ``additionalProperties: false``: a consumer must accept new fields."""
    if isinstance(schema, dict):
        return {k: _open(v) for k, v in schema.items() if k != "additionalProperties"}
    if isinstance(schema, list):
        return [_open(item) for item in schema]
    return schema


def read(kind: EventType) -> dict[str, Any]:
    """The shipped schema file of ``kind``."""
    text = files("integration").joinpath("schemas", file_name(kind)).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write(directory: Path) -> list[Path]:
    """Write every type's schema file into ``directory``."""
    written = []
    for kind in EVENT_TYPES.values():
        path = directory / file_name(kind)
        path.write_text(render(generate(kind)), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(__file__).parent / "schemas"):
        print(path)
