"""Numbers typed into the book's Markdown pages, checked against the package.

Markdown pages cannot glue values from notebooks, so the few numbers they quote are pinned here,
each recomputed from ``nsl_utils`` (or from the data file it describes): if a published constant
or the arithmetic behind a sentence changes, this test names the page.
"""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nsl_utils import counting, published
from nsl_utils.datasets import checked_path
from nsl_utils.laws import HOFFMANN_2022, HOFFMANN_2022_UNROUNDED, compute_optimal

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
#: The digitised Approach-3 runs of Hoffmann et al.'s Figure 4 (Epoch AI), as the fitting chapter reads them.
CHINCHILLA_RUNS_SHA256 = "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (BOOK / page).read_text())


def _attention_fraction(config: dict) -> float:
    """Kaplan et al.'s attention FLOPs over the weight FLOPs, from the package's own count."""
    n_layer, d_model = config["n_layer"], config["d_model"]
    kaplan = counting.flops_per_token(n_layer, d_model, config["vocab_size"], config["n_ctx"],
                                      method="kaplan")
    return kaplan / (6 * 12 * n_layer * d_model**2) - 1


def _share(name: str) -> float:
    c = published.REFERENCE_CONFIGS[name]
    return counting.transformer_params(c["n_layer"], c["d_model"], c["vocab_size"],
                                       c["n_ctx"]).embedding_share


# --- faq.md ---------------------------------------------------------------------------------

def test_faq_irreducible_losses_match_the_published_fits():
    faq = _text("faq.md")
    assert f"{HOFFMANN_2022.E:.2f} nats in Hoffmann et al.'s fit" in faq
    assert f"{published.EPOCH_HEADLINE_E:.2f} in Epoch AI's refit" in faq


def test_faq_embedding_shares_of_reference_models():
    faq = _text("faq.md")
    assert f"For GPT-3 175B the embeddings are {_share('GPT-3 175B'):.1%} of the total" in faq
    assert f"for GPT-2 small they are {_share('GPT-2 small'):.0%}" in faq


def test_faq_attention_fractions_of_six_n_d():
    faq = _text("faq.md")
    gpt3 = published.REFERENCE_CONFIGS["GPT-3 175B"]
    gpt2 = published.REFERENCE_CONFIGS["GPT-2 small"]
    narrow = {"n_layer": 4, "d_model": 128, "vocab_size": 50257, "n_ctx": 1024}
    for config in (gpt3, gpt2, narrow):  # the package's count is the formula the page states
        assert _attention_fraction(config) == pytest.approx(config["n_ctx"] / (12 * config["d_model"]))
    assert (f"{_attention_fraction(gpt3):.1%} for GPT-3 175B ($n_\\text{{ctx}} = {gpt3['n_ctx']}$, "
            f"$d_\\text{{model}} = {gpt3['d_model']}$)") in faq
    assert (f"{_attention_fraction(gpt2):.0%} for GPT-2 small ($n_\\text{{ctx}} = {gpt2['n_ctx']}$, "
            f"$d_\\text{{model}} = {gpt2['d_model']}$)") in faq
    assert (f"{_attention_fraction(narrow):.0%} for a narrow model of the size scaling studies start "
            f"from, $d_\\text{{model}} = {narrow['d_model']}$ at $n_\\text{{ctx}} = {narrow['n_ctx']}$") in faq
    # "a few percent only when the context is short next to the width"
    assert _attention_fraction(gpt3) < 0.05 < _attention_fraction(gpt2)
    # "Hoffmann et al. count all n_ctx positions, twice that": the context-dependent FLOPs of the
    # Appendix-F count are twice Kaplan's, to within its softmax term.
    extra = {m: counting.flops_per_token(12, 768, 50257, 2048, method=m)
             - counting.flops_per_token(12, 768, 50257, 1024, method=m)
             for m in ("kaplan", "chinchilla")}
    assert extra["chinchilla"] / extra["kaplan"] == pytest.approx(2, rel=0.05)


def test_faq_untied_input_embedding_costs_no_compute():
    # "for a model whose output head is untied, 6 N_T D overcounts the training compute; the count
    # whose 6ND matches the weight FLOPs is N_nonemb plus the output head (the 'standard' count)"
    assert "the count whose $6ND$ matches the weight FLOPs is $N_\\text{nonemb}$ plus the output head" in _text("faq.md")
    untied = counting.transformer_params(12, 768, 50257, 1024, tied=False)
    total = counting.flops_per_token(12, 768, 50257, 1024, tied=False)
    standard = counting.flops_per_token(12, 768, 50257, 1024, tied=False, counting="standard")
    assert standard == 6 * (untied.non_embedding + untied.head)
    assert total - standard == 6 * untied.embedding
    # with a tied head, N_T differs from the standard count by the position embedding only
    tied_total = counting.flops_per_token(12, 768, 50257, 1024)
    tied_standard = counting.flops_per_token(12, 768, 50257, 1024, counting="standard")
    assert tied_total - tied_standard == 6 * 1024 * 768


def test_faq_sensitivity_of_n_opt_to_the_exponent_pivots_at_the_fitted_range():
    # A refitted N_opt = k C^a keeps passing through its data, so a change of a pivots about the
    # middle of the fitted compute range; the fixed-prefactor factor C^0.01 is the wrong answer.
    runs = pd.read_csv(checked_path("svg_extracted_data.csv", CHINCHILLA_RUNS_SHA256))
    pivot = np.sqrt(runs["Training FLOP"].min() * runs["Training FLOP"].max())
    pivoted = (published.GOPHER_FLOPS / pivot) ** 0.01
    fixed_prefactor = published.GOPHER_FLOPS ** 0.01
    faq = _text("faq.md")
    assert f"that middle is near $10^{{{np.log10(pivot):.0f}}}$ FLOP" in faq
    assert f"moves $N_\\text{{opt}}$ by a factor of about {pivoted:.2f}" in faq
    assert f"The factor $C^{{0.01}} \\approx {fixed_prefactor:.1f}$" in faq


# --- teaching.md ----------------------------------------------------------------------------

def test_teaching_rounded_and_unrounded_chinchilla_disagree_by_a_quarter():
    rounded, _ = compute_optimal(published.GOPHER_FLOPS, HOFFMANN_2022)
    unrounded, _ = compute_optimal(published.GOPHER_FLOPS, HOFFMANN_2022_UNROUNDED)
    assert "disagree by a quarter on the model size" in _text("teaching.md")
    assert unrounded / rounded - 1 == pytest.approx(0.25, abs=0.05)


# --- intro.md -------------------------------------------------------------------------------

def test_intro_porian_staircase_ends():
    intro = _text("intro.md")
    steps = published.PORIAN_STAIRCASE_RW
    assert f"from {steps[0]:.3f} to {steps[-1]:.3f} as three factors are corrected" in intro
    # "matching the cosine decay to each budget, a fourth step, changes little": step 4 (decay)
    # moves the exponent least of the four steps.
    moves = np.abs(np.diff(steps))
    assert moves[2] == moves.min(), moves


# --- notation.md ----------------------------------------------------------------------------

def test_notation_chinchilla_vocabulary():
    vocab = published.REFERENCE_CONFIGS["Chinchilla 70B"]["vocab_size"]
    assert f"MassiveText with a {vocab:,}-token vocabulary" in _text("notation.md")


# The notation page says one notation holds everywhere: N_T, N_emb, N_nonemb, C_T, C_nonemb,
# a_T, a_nonemb (N_T, N_emb, N_nonemb, C_nonemb, a_nonemb in plain text). The retired forms are
# the backslash subscript (N_\E, rendered as a faint tick) and N_E / C_E / a_E for non-embedding.
RETIRED = re.compile(
    r"_\\{1,2}E\b"  # N_\E, C_\E in Markdown, N_\\E in Python strings
    r"|setminus"  # N_{\setminus E} in figure labels
    r"|\b[NCa]\*?_E\b"  # N_E, C_E, a_E, N*_E
    r"|\b[NCa]\*?_\{E\}"
)


def _notation_files():
    pages = sorted(BOOK.glob("*.md")) + sorted(BOOK.glob("*.ipynb"))
    code = sorted((ROOT / "nsl_utils").rglob("*.py"))
    return pages + code


@pytest.mark.parametrize("path", _notation_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_one_notation_everywhere(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        text = "\n".join("".join(c["source"]) + json.dumps(c.get("metadata", {})) for c in cells)
    else:
        text = path.read_text()
    hits = sorted({m.group(0) for m in RETIRED.finditer(text)})
    assert not hits, f"{path.name} uses retired notation {hits}; see book/notation.md"
