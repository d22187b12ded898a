"""County shapes as GeoJSON, for the place downloads.

The shapes are us-atlas's unprojected ``counties-10m.json`` (lon/lat, Census
2017 cartographic boundaries, with Puerto Rico and the island areas),
decoded from TopoJSON here in Python, so no JavaScript runtime is needed at
install or request time. The data's counties are today's: a county without
a 2017 shape of its own (Connecticut's planning regions, Alaska's 2019
areas) gets the shape ``tidewatch.places.geometry.CROSSWALK`` names, and its
feature says so (``shape_fips``, ``shape_note``); a county with no shape at
all gets ``"geometry": null`` and the reason.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tidewatch.places import geometry

Ring = list[list[float]]
DECIMALS = 4  # about 10 m: finer than the 1:10,000,000 shapes


@cache
def _decoded(path: Path, mtime_ns: int) -> dict[str, dict[str, Any]]:
    """County FIPS -> GeoJSON geometry, for every county of the file."""
    with path.open(encoding="utf-8") as handle:
        topology = json.load(handle)
    (sx, sy), (tx, ty) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantized positions
            x, y = x + dx, y + dy
            points.append([round(x * sx + tx, DECIMALS), round(y * sy + ty, DECIMALS)])
        arcs.append(points)

    def ring(indices: list[int]) -> Ring:
        points: Ring = []
        for index in indices:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            if points:
                points.pop()  # consecutive arcs share their end point
            points.extend(arc)
        while len(points) < 4:  # a degenerate ring must still be closed
            points.append(points[0])
        return points

    shapes = {}
    for item in topology["objects"]["counties"]["geometries"]:
        if item["type"] == "Polygon":
            coordinates: Any = [ring(r) for r in item["arcs"]]
        elif item["type"] == "MultiPolygon":
            coordinates = [[ring(r) for r in polygon] for polygon in item["arcs"]]
        else:
            continue
        shapes[str(item["id"])] = {"type": item["type"], "coordinates": coordinates}
    return shapes


def county_shapes() -> dict[str, dict[str, Any]]:
    """Every county shape of us-atlas's unprojected counties file, by FIPS."""
    path = geometry.MapFiles().counties_unprojected
    return _decoded(path, path.stat().st_mtime_ns)


def shape_for(fips: str) -> tuple[str | None, str]:
    """(the shape that stands for data county ``fips`` or None, why, if not its own)."""
    shapes = county_shapes()
    if fips in shapes:
        return fips, ""
    if fips in geometry.CROSSWALK:
        target, reason = geometry.CROSSWALK[fips]
        if target in shapes:
            return target, reason
    if fips in geometry.SPLIT:
        return None, geometry.SPLIT[fips]
    return None, geometry.NOT_IN_ATLAS


def feature(fips: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature for data county ``fips`` with its shape and ``properties``."""
    shape_fips, note = shape_for(fips)
    return {
        "type": "Feature",
        "id": fips,
        "geometry": county_shapes()[shape_fips] if shape_fips else None,
        "properties": {
            "fips": fips,
            **properties,
            "shape_fips": shape_fips,
            "shape_note": note,
        },
    }


def collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection; ``members`` are foreign members (source, notes)."""
    return {"type": "FeatureCollection", **members, "features": features}
