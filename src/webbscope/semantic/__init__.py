"""Semantic search: the prose each record is embedded as, the embedding model, the vector
index, keyword ranking, rank fusion, query hints and the evaluation metrics. Plain functions
and classes; no web, database or storage imports (faiss and the model load lazily)."""

from webbscope.semantic._context import build_context, featured_note, input_phrase
from webbscope.semantic._embed import (
    DIMENSION,
    MODEL_NAME,
    Embedder,
    ModelIdentity,
    ModelUnavailable,
    check_model_dir,
    default_model_dir,
)
from webbscope.semantic._eval import recall_at, reciprocal_rank
from webbscope.semantic._hints import Chip, Hints, parse_hints
from webbscope.semantic._index import Allowed, Hit, VectorIndex, decode_attrs, encode_attrs
from webbscope.semantic._keyword import KeywordHit, KeywordIndex, tokens
from webbscope.semantic._rank import Fused, Ranked, hybrid, reciprocal_rank_fusion
from webbscope.semantic._text import TextContext, band_phrase, constellation_of, record_text

__all__ = [
    "DIMENSION",
    "MODEL_NAME",
    "Allowed",
    "Chip",
    "Embedder",
    "Fused",
    "Hints",
    "Hit",
    "KeywordHit",
    "KeywordIndex",
    "ModelIdentity",
    "ModelUnavailable",
    "Ranked",
    "TextContext",
    "VectorIndex",
    "band_phrase",
    "build_context",
    "check_model_dir",
    "constellation_of",
    "decode_attrs",
    "default_model_dir",
    "encode_attrs",
    "featured_note",
    "hybrid",
    "input_phrase",
    "parse_hints",
    "recall_at",
    "reciprocal_rank",
    "reciprocal_rank_fusion",
    "record_text",
    "tokens",
]
