"""Length-sorted, dynamically padded batches: the main CPU speed-up for transformer scoring.

A fixed pad-to-max-length batch spends most of its time on padding tokens; sorting
segments by length and padding each batch only to its own longest member removes that
waste without changing any result (attention masks hide the padding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

BatchFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def run_batched(
    sequences: Sequence[Sequence[int]],
    fn: BatchFn,
    *,
    pad_id: int,
    batch_size: int,
    progress: bool = False,
    desc: str = "scoring",
) -> np.ndarray:
    """Apply ``fn(input_ids, attention_mask) -> [b, d]`` to every sequence; rows in input order."""
    if not sequences:
        return np.zeros((0, 0), dtype=np.float32)
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    out: np.ndarray | None = None
    with tqdm(total=len(sequences), desc=desc, unit="text", disable=not progress) as bar:
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = max(1, max(len(sequences[i]) for i in idx))
            ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                seq = sequences[i]
                ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
                mask[row, : len(seq)] = 1
            with torch.inference_mode():
                values = fn(ids, mask).float().numpy()
            if out is None:
                out = np.empty((len(sequences), values.shape[1]), dtype=np.float32)
            out[idx] = values
            bar.update(len(idx))
    assert out is not None
    return out
