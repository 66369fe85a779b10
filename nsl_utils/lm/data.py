"""The prepared corpus and tokenizer of ``nsl_utils.lm`` (see ``scripts/prepare_corpus.py``).

``data/lm_corpus.jsonl.xz`` holds the cleaned works of Shakespeare and Milton with their
train/validation split; ``data/lm_tokenizer.json`` is the byte-level BPE trained on the training
split. Both are checked against their sha256 before use, so a changed file cannot silently change
a sweep.
"""

from __future__ import annotations

import json
import lzma
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from nsl_utils.datasets import checked_path

__all__ = ["CORPUS_SHA256", "TOKENIZER_SHA256", "EOT", "load_works", "load_tokenizer", "load_tokens"]

CORPUS_FILE = "lm_corpus.jsonl.xz"
CORPUS_SHA256 = "f147adcf0661033012ad6a287280aacd264f89bf36bc6af45d65c411e7a883da"
TOKENIZER_FILE = "lm_tokenizer.json"
TOKENIZER_SHA256 = "145fd5fa03e15dfc99bf07611fb75f337a75e80ebfb1d1db20c2b53d6dd41798"
EOT = "<|endoftext|>"


def load_works() -> list[dict[str, str]]:
    """The cleaned works: dicts with ``work``, ``author``, ``split`` and ``text``."""
    raw = lzma.decompress(checked_path(CORPUS_FILE, CORPUS_SHA256).read_bytes()).decode("utf-8")
    return [json.loads(line) for line in raw.splitlines()]


def load_tokenizer():
    """The byte-level BPE tokenizer (a ``tokenizers.Tokenizer``)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(checked_path(TOKENIZER_FILE, TOKENIZER_SHA256)))


@lru_cache(maxsize=2)
def load_tokens(split: str) -> NDArray[np.int32]:
    """Token ids of one split, works joined by the end-of-text token.

    Parameters
    ----------
    split : {"train", "validation"}

    Returns
    -------
    numpy.ndarray
        int32 token ids (read-only; cached).
    """
    if split not in ("train", "validation"):
        raise ValueError(f"split must be 'train' or 'validation'; got {split!r}")
    tok = load_tokenizer()
    eot = tok.token_to_id(EOT)
    texts = [w["text"] for w in load_works() if w["split"] == split]
    ids: list[int] = []
    for enc in tok.encode_batch(texts):
        ids.extend(enc.ids)
        ids.append(eot)
    arr = np.asarray(ids, dtype=np.int32)
    arr.flags.writeable = False
    return arr
