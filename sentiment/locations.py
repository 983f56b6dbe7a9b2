"""Where the sentiment step keeps and finds files outside the repository.

Both places are configurable through the environment so that CI, Prefect workers and
tests can point them at scratch folders without code changes.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Folder for built models: the argument, else ``$KLANTSTEM_CACHE``, else ``~/.cache/klantstem``.

    Built models are large (the dequantised e5 encoder is ~470 MB) and machine-specific,
    so they live outside the repository and are rebuilt on demand.
    """
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("KLANTSTEM_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "klantstem"


def shared_data_dir() -> Path | None:
    """The evaluation corpora: ``$KLANTSTEM_SHARED_DATA``, else ``<repo>/../shared/data``.

    Returns None when the folder is absent, so callers can skip instead of failing:
    the data may not be redistributed and is therefore not part of every checkout.
    """
    env = os.environ.get("KLANTSTEM_SHARED_DATA")
    path = Path(env) if env else _REPO.parent / "shared" / "data"
    return path if path.is_dir() else None
