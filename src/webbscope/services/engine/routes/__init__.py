"""The engine's internal routes: viewer and composites (service credential required)."""

from webbscope.services.engine.routes import analysis, composites, measure, render

ROUTERS = [measure.router, render.router, composites.router, analysis.router]

__all__ = ["ROUTERS"]
