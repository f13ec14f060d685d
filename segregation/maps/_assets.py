"""Leaflet's JavaScript and CSS, read from an installed package and embedded into each map.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, so its pages are blank
offline. The maps here need only Leaflet itself. Leaflet's dist files (version 1.9.4,
BSD-2-Clause, (c) Volodymyr Agafonkin and CloudMade) come from the PyPI package
``django-js-lib-leaflet``, which repackages them unchanged and has no dependencies; it is
located with :func:`importlib.util.find_spec`, which does not import it (nor Django).
The CSS's images (the layer-control icon) are inlined as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["LEAFLET_PACKAGE", "leaflet_css", "leaflet_folder", "leaflet_js", "leaflet_version"]

LEAFLET_PACKAGE = "js_lib_leaflet"


def leaflet_folder() -> Path:
    """The folder holding ``leaflet.js``, ``leaflet.css`` and ``images/``."""
    spec = importlib.util.find_spec(LEAFLET_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "Offline maps embed Leaflet from the package 'django-js-lib-leaflet', which is "
            'missing. Install it with: pip install "django-js-lib-leaflet>=1.9,<2" '
            "(it is a dependency of deso-segregation)."
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / LEAFLET_PACKAGE
    if not (folder / "leaflet.js").is_file():
        raise ImportError(f"leaflet.js is missing from {folder}: reinstall django-js-lib-leaflet.")
    return folder


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, without its source-map comment.

    Examples
    --------
    >>> "Leaflet 1.9" in leaflet_js()[:200], "sourceMappingURL" in leaflet_js()
    (True, False)
    """
    text = (leaflet_folder() / "leaflet.js").read_text(encoding="utf-8")
    text = re.sub(r"//# sourceMappingURL=\S+", "", text)
    if "</script" in text.lower():  # would end the inline <script> early
        raise ValueError("leaflet.js contains '</script' and cannot be inlined.")
    return text


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as ``data:`` URIs.

    Examples
    --------
    >>> css = leaflet_css()
    >>> "url(images/" in css, "data:image/png;base64," in css
    (False, True)
    """
    folder = leaflet_folder()

    def inline(match: re.Match[str]) -> str:
        image = folder / "images" / match.group(1)
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    text = (folder / "leaflet.css").read_text(encoding="utf-8")
    return re.sub(r"url\(images/([\w.-]+\.png)\)", inline, text)


def leaflet_version() -> str:
    """The version of the embedded Leaflet, read from its banner.

    Examples
    --------
    >>> leaflet_version()
    '1.9.4'
    """
    match = re.search(r"Leaflet (\d+\.\d+\.\d+)", leaflet_js()[:400])
    return match.group(1) if match else "unknown"
