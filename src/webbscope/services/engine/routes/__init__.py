"""The engine's internal viewer routes (service credential required)."""

from webbscope.services.engine.routes import analysis, measure, render

ROUTERS = [measure.router, render.router, analysis.router]

__all__ = ["ROUTERS"]
