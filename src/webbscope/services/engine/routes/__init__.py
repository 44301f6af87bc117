"""The engine's internal viewer routes (service credential required)."""

from webbscope.services.engine.routes import measure, render

ROUTERS = [measure.router, render.router]

__all__ = ["ROUTERS"]
