"""Data Docs that open on an offline intranet: every page points at assets in the site.

GX's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and vega from
public CDNs and show its logo from a cloud bucket with the Data Context's id in the query
(a tracking image). Offline, the index comes up unstyled and its list of runs empty,
because bootstrap-table fills it. The templates cannot be pointed elsewhere by
configuration, so the rendered pages are rewritten: each CDN address becomes a relative
path into `static/vendor/` of the site (copied from `vendor/` beside this module), the logo
comes from GX's own `static/images/` (links to it get the page's true depth), and the
subresource-integrity attributes go (they name the CDN's bytes and make a browser refuse a
`file://` script as cross-origin).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

VENDOR = Path(__file__).with_name("vendor")
#: CDN address in GX's templates -> file under vendor/
ASSETS: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap-4.3.1.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap-4.3.1.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper-1.12.9.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "css/bootstrap-table-filter-control-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "js/bootstrap-table-filter-control-1.19.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "css/bootstrap-datepicker-1.9.0.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "js/bootstrap-datepicker-1.9.0.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-6.6.0.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "css/bootstrap-prefers-dark-1.1.0.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "js/vega-5.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "js/vega-lite-5.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "js/vega-embed-6.min.js",
}
#: GX's logos from its bucket, one with the Data Context id appended (`?d=…`)
_TRACKED_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)[^\"')\s]*"
)
_LOGO = "logo-long.png"
#: GX's own relative links to the site's static folder; some templates miscount the depth.
_STATIC_REF = re.compile(r'"(?:\.\./)+static/')
_INTEGRITY = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')
#: What makes a browser fetch from elsewhere: a tag's address or a style's url() (links
#: to click are not listed).
OUTSIDE_RESOURCE = re.compile(
    r'<(?:script|link|img|iframe|source)\b[^>]*?\s(?:src|href)="(?:https?:)?//'
    r"|url\(\s*['\"]?(?:https?:)?//",
    re.IGNORECASE,
)


def install_assets(site: Path) -> None:
    """Copy the vendored files into the site once (a site keeps them across runs)."""
    target = site / "static" / "vendor"
    if not (target / "README.md").exists():
        shutil.copytree(VENDOR, target, dirs_exist_ok=True)


def localise_page(page: Path, site: Path) -> None:
    """Rewrite one rendered page so it loads nothing from outside the site."""
    text = page.read_text(encoding="utf-8")
    to_static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
    for url, local in ASSETS.items():
        text = text.replace(f'"{url}"', f'"{to_static}/vendor/{local}"')
    images = site / "static" / "images"

    def logo(found: re.Match[str]) -> str:
        name = found.group(1) if (images / found.group(1)).is_file() else _LOGO
        return f"{to_static}/images/{name}"

    text = _TRACKED_LOGO.sub(logo, text)
    text = _STATIC_REF.sub(f'"{to_static}/', text)
    text = _INTEGRITY.sub("", text)
    page.write_text(text, encoding="utf-8")


def localise(site: Path, pages: Iterable[Path]) -> None:
    """Make the given pages (and the site index) work offline."""
    install_assets(site)
    for page in {*pages, site / "index.html"}:
        if page.exists():
            localise_page(page, site)


def outside_resources(page: Path) -> list[str]:
    """The tags of a page that would fetch something from another host."""
    text = page.read_text(encoding="utf-8")
    return [m.group(0) for m in OUTSIDE_RESOURCE.finditer(text)]
