"""Numbers typed into the book's Markdown pages, checked against the package.

Markdown pages cannot glue values from notebooks, so the few numbers they quote are pinned here:
if a published constant or the arithmetic behind a sentence changes, this test names the page.
"""

import re
from pathlib import Path

import numpy as np

from nsl_utils.laws import BESIROGLU_2024, HOFFMANN_2022
from nsl_utils.published import GOPHER_FLOPS

BOOK = Path(__file__).resolve().parents[1] / "book"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", (BOOK / page).read_text())


def test_faq_irreducible_losses_match_the_published_fits():
    faq = _text("faq.md")
    assert f"{HOFFMANN_2022.E:.2f} nats in Hoffmann et al.'s fit" in faq
    assert f"{BESIROGLU_2024.E:.2f} in Epoch AI's refit" in faq


def test_faq_sensitivity_of_n_opt_to_the_exponent():
    # N_opt ∝ C^a, so a change of 0.01 in a scales N_opt by C^0.01 at a fixed budget.
    factor = np.exp(0.01 * np.log(GOPHER_FLOPS))
    assert f"moves $N_\\text{{opt}}$ by a factor of about {factor:.1f}" in _text("faq.md")
