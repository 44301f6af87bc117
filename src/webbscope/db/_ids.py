"""Document ids: ObjectIds in the database, 24-hex strings in the API."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from webbscope.errors import Unprocessable


def parse_id(value: str, what: str = "id") -> ObjectId:
    """The ObjectId for `value`, or `Unprocessable` (code `invalid_id`) naming what it was."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise Unprocessable(
            f"{what} {value[:64]!r} is not a valid id (24 hexadecimal characters)",
            code="invalid_id",
        ) from None
