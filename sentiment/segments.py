"""Turn texts into model inputs: prefix + text tokens + special tokens, long texts chunked.

Shared by scoring and head training so that the head is trained on exactly the inputs
it will see in production (same prefix, same tokenisation, same chunking).
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from .chunking import chunk_token_ranges, sentence_spans


@dataclass(frozen=True)
class Segments:
    """Model inputs; ``owner[i]`` is the index of the text that ``ids[i]`` came from."""

    ids: list[list[int]]
    owner: list[int]


class Segmenter:
    """Tokenises once per text; texts longer than the window are cut at sentence ends."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, prefix: str, max_length: int) -> None:
        self._tokenizer = tokenizer
        self._prefix_ids: list[int] = (
            tokenizer(prefix.rstrip(), add_special_tokens=False)["input_ids"] if prefix else []
        )
        self._head, self._tail = _special_tokens(tokenizer)
        self.budget = max_length - len(self._head) - len(self._tail) - len(self._prefix_ids)
        if self.budget < 8:
            raise ValueError(f"max_length={max_length} leaves no room for text")

    def __call__(self, texts: list[str]) -> Segments:
        """Segments for every non-blank text (blank texts get none)."""
        ids_out: list[list[int]] = []
        owner: list[int] = []
        if not texts:
            return Segments(ids_out, owner)
        enc = self._tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        for t, (text, ids) in enumerate(zip(texts, enc["input_ids"], strict=True)):
            if not text.strip():
                continue
            if len(ids) <= self.budget:
                ranges = [(0, len(ids))]
            else:
                starts = [start for start, _ in enc["offset_mapping"][t]]
                ranges = chunk_token_ranges(starts, sentence_spans(text), self.budget)
            for a, b in ranges:
                ids_out.append(self._head + self._prefix_ids + ids[a:b] + self._tail)
                owner.append(t)
        return Segments(ids_out, owner)


def _special_tokens(tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[int]]:
    """The special ids a tokenizer puts before and after a single text (e.g. [CLS] / [SEP]).

    Found by encoding a probe with and without special tokens, because fast tokenizers
    apply them in a post-processor that has no public "wrap these ids" call.
    """
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start:start + len(bare)] == bare:
            return full[:start], full[start + len(bare):]
    raise ValueError(f"{type(tokenizer).__name__}: cannot locate the text between its special tokens")
