"""Webbscope: a self-hosted workbench for James Webb Space Telescope data."""

__version__ = "0.1.0"
