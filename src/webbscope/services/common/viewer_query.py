"""The viewer's query parameters as FastAPI dependencies, shared by the backend (which
validates and documents them, then passes them on) and the engine (which uses them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from webbscope.imaging import RenderParams
from webbscope.services.engine.params import Plane, check_ext, render_params


async def plane_query(
    ext: Annotated[
        str, Query(max_length=70, description="extension: name (SCI), NAME,VER or HDU index")
    ] = "SCI",
    slice: Annotated[int, Query(ge=0, le=1_000_000, description="cube plane (0-based)")] = 0,
) -> Plane:
    return Plane(check_ext(ext), slice)


async def render_query(
    stretch: Annotated[
        str, Query(description="linear, log, sqrt, squared, asinh, sinh, power, histeq")
    ] = "asinh",
    interval: Annotated[
        str,
        Query(
            description="minmax, zscale, manual (vmin, vmax), percentile (lower, upper) or a "
            "percentage kept symmetrically: 99, 99.5, 99.9, ..."
        ),
    ] = "99.5",
    lower: Annotated[float | None, Query(ge=0, le=100, description="percentile interval")] = None,
    upper: Annotated[float | None, Query(ge=0, le=100, description="percentile interval")] = None,
    vmin: Annotated[float | None, Query(description="manual interval")] = None,
    vmax: Annotated[float | None, Query(description="manual interval")] = None,
    cmap: Annotated[
        str,
        Query(
            description="gray, viridis, inferno, magma, plasma, cividis, hot, cool, turbo, "
            "cubehelix, batlow"
        ),
    ] = "gray",
    invert: Annotated[str, Query(description="reverse the colour map: 0/1")] = "0",
    contrast: Annotated[float, Query(description="contrast/bias stretch (ds9)")] = 1.0,
    bias: float = 0.5,
    gamma: Annotated[float, Query(description="exponent of the power stretch")] = 1.0,
    a: Annotated[float | None, Query(description="parameter of log / asinh / sinh")] = None,
    nan: Annotated[str, Query(description="NaN colour: transparent, #rrggbb or #rrggbbaa")] = (
        "transparent"
    ),
) -> RenderParams:
    return render_params(
        stretch=stretch,
        interval=interval,
        lower=lower,
        upper=upper,
        vmin=vmin,
        vmax=vmax,
        cmap=cmap,
        invert=invert,
        contrast=contrast,
        bias=bias,
        gamma=gamma,
        a=a,
        nan=nan,
    )


PlaneQuery = Annotated[Plane, Depends(plane_query)]
RenderQuery = Annotated[RenderParams, Depends(render_query)]

#: Query parameter names of the viewer routes the backend passes on to the engine.
VIEWER_PARAMS = frozenset(
    {
        "ext",
        "slice",
        "stretch",
        "interval",
        "lower",
        "upper",
        "vmin",
        "vmax",
        "cmap",
        "invert",
        "contrast",
        "bias",
        "gamma",
        "a",
        "nan",
        "bins",
        "min",
        "max",
        "log",
        "x",
        "y",
        "w",
        "h",
        "ra",
        "dec",
        "size",
        "box",
        "target",
        "labels",
        "format",
        "width",
        "quality",
    }
)
