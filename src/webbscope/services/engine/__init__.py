"""The processing engine: rendering, composites, mosaics, analysis, semantic index."""
