"""Building lambent as an AWS Lambda layer (``lambent layer build``).

A layer is a zip Lambda extracts into ``/opt``; for the Python runtimes, packages under
``python/lib/python3.X/site-packages`` are importable. Compiled dependencies (msgspec,
and aiohttp with the ``aws`` extra) make a layer specific to one Python version and one
architecture, so a build names its :class:`Target`.

Modules: :mod:`.target` (runtimes, platforms, limits), :mod:`.install` (wheels from
pip for the target), :mod:`.tidy` (leftovers, ELF checks, bytecode), :mod:`.archive`
(the reproducible zip) and :mod:`.build` (all of it, in order).
"""

from __future__ import annotations

from lambent._layer.archive import Sizes as Sizes
from lambent._layer.build import BuildOptions as BuildOptions
from lambent._layer.build import BuildResult as BuildResult
from lambent._layer.build import build_layer as build_layer
from lambent._layer.build import read_manifest as read_manifest
from lambent._layer.target import LayerError as LayerError
from lambent._layer.target import Limits as Limits
from lambent._layer.target import Target as Target

__all__ = [
    "BuildOptions",
    "BuildResult",
    "LayerError",
    "Limits",
    "Sizes",
    "Target",
    "build_layer",
    "read_manifest",
]
