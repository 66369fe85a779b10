"""The prepared corpora and tokenizers of ``nsl_utils.lm`` (see ``scripts/prepare_corpus.py``).

Two corpora, each a ``.jsonl.xz`` of works with their train/validation split and a byte-level BPE
trained on its training split:

``"pilot"``
    ``data/lm_corpus.jsonl.xz`` and ``data/lm_tokenizer.json``: Shakespeare and Milton,
    vocabulary 4,096 (about 2.4M tokens). The small-scale pilot sweeps read it.
``"book"``
    ``data/lm_corpus_book.jsonl.xz`` and ``data/lm_tokenizer_book.json``: the pilot's works, the
    King James Bible and the prose of the Python 3.11 documentation, vocabulary 2,048 (5.2M
    training tokens). The book sweep reads it.

Every file is checked against its sha256 before use, so a changed file cannot silently change a
sweep.
"""

from __future__ import annotations

import json
import lzma
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from nsl_utils.datasets import checked_path

__all__ = ["Corpus", "CORPORA", "EOT", "load_works", "load_tokenizer", "load_tokens"]

EOT = "<|endoftext|>"


@dataclass(frozen=True)
class Corpus:
    """Files of one prepared corpus (names under ``data/``) with their sha256 and vocabulary."""

    corpus_file: str
    corpus_sha256: str
    tokenizer_file: str
    tokenizer_sha256: str
    vocab_size: int


CORPORA: dict[str, Corpus] = {
    "pilot": Corpus("lm_corpus.jsonl.xz", "f147adcf0661033012ad6a287280aacd264f89bf36bc6af45d65c411e7a883da",
                    "lm_tokenizer.json", "145fd5fa03e15dfc99bf07611fb75f337a75e80ebfb1d1db20c2b53d6dd41798", 4096),
    "book": Corpus("lm_corpus_book.jsonl.xz", "3331df4eb3a89ad0f53b0d5a5df11205fca4f6c39f0f8bf83e7560c9536ae4a5",
                   "lm_tokenizer_book.json", "3d263d173cbb1cf341b7fc4264e8975945a3abc21cb248d26a572b270ed8a0a7", 2048),
}


def _corpus(name: str) -> Corpus:
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose one of {', '.join(sorted(CORPORA))}")
    return CORPORA[name]


def load_works(corpus: str = "pilot") -> list[dict[str, str]]:
    """The cleaned works of a corpus: dicts with ``work``, ``author``, ``split`` and ``text``."""
    c = _corpus(corpus)
    raw = lzma.decompress(checked_path(c.corpus_file, c.corpus_sha256).read_bytes()).decode("utf-8")
    return [json.loads(line) for line in raw.splitlines()]


def load_tokenizer(corpus: str = "pilot"):
    """The byte-level BPE tokenizer of a corpus (a ``tokenizers.Tokenizer``)."""
    from tokenizers import Tokenizer

    c = _corpus(corpus)
    return Tokenizer.from_file(str(checked_path(c.tokenizer_file, c.tokenizer_sha256)))


@lru_cache(maxsize=4)
def load_tokens(split: str, corpus: str = "pilot") -> NDArray[np.int32]:
    """Token ids of one split of a corpus, works joined by the end-of-text token.

    Parameters
    ----------
    split : {"train", "validation"}
    corpus : {"pilot", "book"}
        A key of :data:`CORPORA`.

    Returns
    -------
    numpy.ndarray
        int32 token ids (read-only; cached).
    """
    if split not in ("train", "validation"):
        raise ValueError(f"split must be 'train' or 'validation'; got {split!r}")
    tok = load_tokenizer(corpus)
    eot = tok.token_to_id(EOT)
    texts = [w["text"] for w in load_works(corpus) if w["split"] == split]
    ids: list[int] = []
    for enc in tok.encode_batch(texts):
        ids.extend(enc.ids)
        ids.append(eot)
    arr = np.asarray(ids, dtype=np.int32)
    arr.flags.writeable = False
    return arr
