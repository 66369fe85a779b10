"""Write the lab edition of the book's notebooks, for JupyterLab with jupyterlab-myst (``make lab``).

    python scripts/lab_edition.py [--build _build] [--out _build/lab] [--flavour myst|plain] [--force]

Reads a finished book build (``jupyter-book build .``): the executed notebooks and glue data MyST-NB
wrote to ``<build>/jupyter_execute``, the Sphinx environment saved in ``<build>/.doctrees`` (numbers
of figures, equations, exercises, section and chapter titles) and the jupyter-cache of
``<build>/.jupyter_cache`` (which code cell glued which number). Writes ``<out>/book/<name>.ipynb``:
outputs included, glued numbers, references and citations resolved, exercises and folded solutions
as jupyterlab-myst renders them (see ``_static/_ext/lab_notebooks.py``).

A notebook you changed in ``<out>`` since this script wrote it is kept (the script says so); delete
it, or pass ``--force``, to get the book's version back. Exits 2 when the build is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_static" / "_ext"))
from lab_notebooks import FLAVOURS, BookIndex, convert_build  # noqa: E402

#: Where the script records what it wrote, to tell a student's edits from its own files.
STAMP = ".lab_edition.json"


def load_index(build: Path) -> BookIndex:
    """The book's numbers and titles from the environment a build saved."""
    env_path = build / ".doctrees" / "environment.pickle"
    with env_path.open("rb") as handle:
        env = pickle.load(handle)
    return BookIndex.from_env(env, srcdir=ROOT)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_edition(build: Path, out: Path, flavour: str = "myst", force: bool = False,
                  docs: list[str] | None = None) -> list[Path]:
    """Write the lab edition; returns the notebooks written (kept, edited ones are not)."""
    output_folder = build / "jupyter_execute"
    index = load_index(build)
    editions = convert_build(index, output_folder, build / ".jupyter_cache", flavour, docs)
    out.mkdir(parents=True, exist_ok=True)
    stamp_path = out / STAMP
    stamps = json.loads(stamp_path.read_text()) if stamp_path.is_file() else {}
    written = []
    for doc, nb in editions.items():
        target = out / f"{doc}.ipynb"
        key = f"{doc}.ipynb"
        if target.is_file() and not force and stamps.get(key) != _digest(target):
            print(f"kept {target} (changed since it was written; delete it or use --force)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        stamps[key] = _digest(target)
        written.append(target)
    stamp_path.write_text(json.dumps(stamps, indent=1, sort_keys=True))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "_build",
                        help="the book build's folder (default: _build)")
    parser.add_argument("--out", type=Path, default=None, help="default: <build>/lab")
    parser.add_argument("--flavour", choices=FLAVOURS, default="myst")
    parser.add_argument("--force", action="store_true", help="overwrite notebooks you changed")
    parser.add_argument("docs", nargs="*", help="only these documents (e.g. book/reconcile)")
    args = parser.parse_args(argv)
    build = args.build.resolve()
    if not (build / ".doctrees" / "environment.pickle").is_file() or not (
        build / "jupyter_execute"
    ).is_dir():
        print(f"error: no finished book build in {build}: run `make book` first", file=sys.stderr)
        return 2
    out = (args.out or build / "lab").resolve()
    written = write_edition(build, out, args.flavour, args.force, args.docs or None)
    print(f"lab edition: {len(written)} notebooks written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
