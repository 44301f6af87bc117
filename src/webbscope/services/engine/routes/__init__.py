"""The engine's internal routes: viewer and composites (service credential required)."""

from webbscope.services.engine.routes import analysis, composites, measure, render, semantic

ROUTERS = [measure.router, render.router, composites.router, analysis.router, semantic.router]

__all__ = ["ROUTERS"]
