"""The engine's internal routes: viewer and composites (service credential required)."""

from webbscope.services.engine.routes import composites, measure, render

ROUTERS = [measure.router, render.router, composites.router]

__all__ = ["ROUTERS"]
