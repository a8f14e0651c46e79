"""Event payloads written with orjson in the event store's tagged JSON, read as before."""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

# Datetimes go through the library's transcodings, as Decimals do, so they keep their tags.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class OrjsonTranscoder(JSONTranscoder):
    """The library's JSON transcoder, encoding with orjson: the same JSON, written several
    times faster, and decoded by the library as before.

    orjson writes a UUID as a plain string, so it would come back as a string: event payloads
    here hold none (ids travel as order, store and SKU codes). What orjson refuses (integers
    beyond 64 bits) is written by the library's encoder instead.
    """

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=self._encode_obj, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().encode(obj)
