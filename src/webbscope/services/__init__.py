"""Thin ASGI services over the web-free modules: backend, engine and mast."""
