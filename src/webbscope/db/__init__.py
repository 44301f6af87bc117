"""MongoDB data layer on pymongo's AsyncMongoClient."""

from webbscope.db._client import Database, Document, redact_uri
from webbscope.db._ids import parse_id
from webbscope.db._indexes import INDEXES

__all__ = ["INDEXES", "Database", "Document", "parse_id", "redact_uri"]
