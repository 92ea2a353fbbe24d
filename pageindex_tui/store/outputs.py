"""Where the app puts what it makes (exports, screenshots) when the user does not say: never inside the
documents folder it shows, so `a` there never meets them (and `formats.is_document` refuses our outputs
wherever they lie).
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from ..settings import APP_NAME


def inside(path: Path, folder: Path) -> bool:
    """`path` is `folder` or lies below it (both made absolute, links resolved)."""
    path, folder = Path(path).expanduser().resolve(), Path(folder).expanduser().resolve()
    return path == folder or folder in path.parents


def export_folder(watched: Path, cwd: Path | None = None) -> Path:
    """The default folder for exports: `./results` as the CLI uses, unless that lies in the watched
    folder; then the user's documents folder's `pageindex-tui/`, else the app's data folder's `exports/`."""
    candidates = [
        (cwd or Path.cwd()) / "results",
        platformdirs.user_documents_path() / APP_NAME,
        platformdirs.user_data_path(APP_NAME) / "exports",
    ]
    return next((c for c in candidates if not inside(c, watched)), candidates[-1])


def screenshot_folder(watched: Path, cwd: Path | None = None) -> Path:
    """Where a screenshot goes: the user's Downloads folder where there is one (outside the watched
    folder), else the export folder (GPU servers seldom have a Downloads folder)."""
    downloads = platformdirs.user_downloads_path()
    if downloads.is_dir() and not inside(downloads, watched):
        return downloads
    return export_folder(watched, cwd)
