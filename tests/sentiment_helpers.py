"""Tiny, real transformers sentiment models for tests (built in ~1 s, no downloads).

``build_tiny_model(path)`` writes a 2-layer BERT (or RoBERTa) sequence classifier with a
WordPiece tokenizer made with the ``tokenizers`` library, trained for a few seconds on
keyword sentences so that obvious Dutch praise scores positive and obvious complaints
negative. Flow tests can use it as a fast stand-in for the real model:
``load_scorer(str(build_tiny_model(tmp_path / "tiny")))``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForSequenceClassification,
)

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
POSITIVE = ["goed", "geweldig", "top", "super", "prima", "snel", "vriendelijk", "tevreden", "aanrader",
            "mooi", "blij", "fantastisch", "uitstekend", "lekker", "netjes", "good", "great"]
NEGATIVE = ["slecht", "traag", "kapot", "boos", "teleurgesteld", "nooit", "klacht", "waardeloos",
            "duur", "vies", "onbeleefd", "laat", "fout", "beschadigd", "oplichters", "bad", "terrible"]
NEUTRAL = ["de", "het", "een", "is", "was", "en", "ik", "wij", "pakket", "bestelling", "winkel",
           "levering", "product", "boek", "dag", "vandaag", "morgen", "service", "app", "heb", "we",
           "maar", "niet", "erg", "heel", "echt", "the", "was", "and", "delivery", "order"]
PUNCT = [".", ",", "!", "?", ":", "'", '"', "-"]
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
THREE_CLASS = {0: "negative", 1: "neutral", 2: "positive"}


def _vocab() -> dict[str, int]:
    words = list(dict.fromkeys(SPECIALS + POSITIVE + NEGATIVE + NEUTRAL + PUNCT + LETTERS
                               + ["##" + ch for ch in LETTERS]))
    return {w: i for i, w in enumerate(words)}


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Lower-casing WordPiece tokenizer that adds [CLS] ... [SEP] and gives char offsets."""
    vocab = _vocab()
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=128,
    )


def _training_batch(tokenizer: PreTrainedTokenizerFast, polarity_of_class: list[float]) -> tuple[dict, torch.Tensor]:
    """Keyword sentences; the target class is the one whose polarity matches the sentence."""
    fillers = ["", "de bestelling was", "het pakket is", "ik ben", "de service was", "wij zijn heel", "echt"]
    texts, targets = [], []

    def nearest(p: float) -> int:
        return min(range(len(polarity_of_class)), key=lambda i: abs(polarity_of_class[i] - p))

    groups = [(POSITIVE, 1.0), (NEGATIVE, -1.0)]
    if any(p == 0.0 for p in polarity_of_class):
        groups.append((NEUTRAL[8:20], 0.0))
    for words, polarity in groups:
        for n, (filler, word) in enumerate(itertools.product(fillers, words)):
            texts.append(f"{filler} {word}{('', '.', '!')[n % 3]}".strip())
            targets.append(nearest(polarity))
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    return dict(enc), torch.tensor(targets)


def build_tiny_model(
    path: Path | str,
    *,
    id2label: Mapping[int, str] | None = None,
    polarities: list[float] | None = None,
    arch: str = "bert",
    train_steps: int = 100,
) -> Path:
    """Write a tiny sequence classifier + tokenizer to ``path``; returns ``path``.

    ``id2label`` defaults to negative/neutral/positive. ``polarities`` (one per class)
    says what each class means for the keyword training; it defaults to evenly spaced
    values from -1 to 1 (right for neg/pos, neg/neu/pos and 1..5 stars).
    """
    path = Path(path)
    id2label = dict(id2label or THREE_CLASS)
    n = len(id2label)
    polarities = polarities or [(-1.0 + 2.0 * i / (n - 1)) for i in range(n)]
    tokenizer = build_tokenizer()
    torch.manual_seed(0)
    common = dict(vocab_size=len(_vocab()), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                  intermediate_size=64, id2label=id2label, label2id={v: k for k, v in id2label.items()},
                  pad_token_id=tokenizer.pad_token_id)
    if arch == "bert":
        model = BertForSequenceClassification(BertConfig(max_position_embeddings=128, **common))
    elif arch == "roberta":
        model = RobertaForSequenceClassification(RobertaConfig(max_position_embeddings=130, **common))
    else:
        raise ValueError(f"arch must be bert or roberta, got {arch!r}")
    if train_steps:
        batch, targets = _training_batch(tokenizer, polarities)
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
        model.train()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # tiny matrices: threads only add contention on a busy CI box
        try:
            for _ in range(train_steps):
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(**batch).logits, targets)
                loss.backward()
                optimizer.step()
        finally:
            torch.set_num_threads(threads)
    model.eval()
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
