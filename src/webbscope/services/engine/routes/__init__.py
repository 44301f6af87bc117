"""The engine's internal viewer routes (service credential required)."""

from webbscope.services.engine.routes import measure, render, semantic

ROUTERS = [measure.router, render.router, semantic.router]

__all__ = ["ROUTERS"]
