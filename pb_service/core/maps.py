"""Placing projects on the no-JavaScript SVG map (the catalogue, the implementation list)."""
from __future__ import annotations


def map_box(mapped):
    """The bounding box of the page's projects, padded, for the no-JavaScript SVG map."""
    if not mapped:
        return None
    lats = [float(p.latitude) for p in mapped]
    lons = [float(p.longitude) for p in mapped]
    pad_lat = max((max(lats) - min(lats)) * 0.1, 0.005)
    pad_lon = max((max(lons) - min(lons)) * 0.1, 0.005)
    box = {"south": min(lats) - pad_lat, "north": max(lats) + pad_lat, "west": min(lons) - pad_lon, "east": max(lons) + pad_lon}
    box["points"] = [
        (p, 1000 * (float(p.longitude) - box["west"]) / (box["east"] - box["west"]),
         600 * (box["north"] - float(p.latitude)) / (box["north"] - box["south"]))
        for p in mapped
    ]
    return box
