"""The engine's internal routes: viewer, composites and mosaics (service credential required)."""

from webbscope.services.engine.routes import (
    analysis,
    composites,
    measure,
    mosaics,
    render,
    semantic,
)

ROUTERS = [
    measure.router,
    render.router,
    composites.router,
    mosaics.router,
    analysis.router,
    semantic.router,
]

__all__ = ["ROUTERS"]
