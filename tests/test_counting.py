"""Tests of nsl_utils.counting: parameter and FLOP counts."""

import pytest

from nsl_utils import counting, published


def test_gpt2_small_parameter_count():
    c = counting.transformer_params(12, 768, 50257, 1024)
    assert c.total == published.GPT2_SMALL_PARAMS == 124_439_808
    assert c.embedding == (50257 + 1024) * 768
    assert c.head == 0
    assert c.non_embedding == c.total - c.embedding


def test_non_embedding_is_close_to_12_l_d_squared():
    c = counting.transformer_params(24, 1024, 50257, 1024)
    assert c.non_embedding == pytest.approx(12 * 24 * 1024**2, rel=0.002)


def test_untied_head_and_no_bias():
    tied = counting.transformer_params(2, 64, 1000, 16)
    untied = counting.transformer_params(2, 64, 1000, 16, tied=False)
    assert untied.total - tied.total == 1000 * 64 == untied.head
    assert untied.non_embedding == tied.non_embedding
    nobias = counting.transformer_params(2, 64, 1000, 16, bias=False)
    # Per block: 4 linear biases of width d, one of 4d, one of d, and 2 LayerNorm biases; plus the final.
    assert tied.total - nobias.total == 2 * (4 * 64 + 256 + 64 + 2 * 64) + 64


def test_flops_methods():
    six_n = counting.flops_per_token(12, 768, 50257, 1024)
    assert six_n == 6 * published.GPT2_SMALL_PARAMS
    non_emb = counting.flops_per_token(12, 768, 50257, 1024, counting="non_embedding")
    kaplan = counting.flops_per_token(12, 768, 50257, 1024, method="kaplan")
    # Kaplan's count is 6 * 12 l d^2 * (1 + n_ctx / (12 d)).
    assert kaplan == pytest.approx(6 * 12 * 12 * 768**2 * (1 + 1024 / (12 * 768)))
    assert kaplan / non_emb == pytest.approx(1 + 1024 / (12 * 768), rel=0.01)
    chin = counting.flops_per_token(12, 768, 50257, 1024, method="chinchilla")
    assert chin > six_n


def test_attention_term_equals_parameter_term_at_12_d_model():
    d = 256
    ratio = counting.flops_per_token(4, d, 1000, 12 * d, method="kaplan") / (6 * 12 * 4 * d * d)
    assert ratio == pytest.approx(2.0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_layer=0, d_model=8, vocab_size=10, n_ctx=4), "n_layer"),
        (dict(n_layer=1, d_model=-8, vocab_size=10, n_ctx=4), "d_model"),
        (dict(n_layer=1, d_model=8, vocab_size=2.5, n_ctx=4), "vocab_size"),
        (dict(n_layer=1, d_model=8, vocab_size=10, n_ctx=float("nan")), "n_ctx"),
        (dict(n_layer=1, d_model=8, vocab_size=10, n_ctx=4, d_ff=0), "d_ff"),
    ],
)
def test_bad_sizes_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        counting.transformer_params(**kwargs)


def test_bad_method_and_counting():
    with pytest.raises(ValueError, match="method"):
        counting.flops_per_token(1, 8, 10, 4, method="8N")
    with pytest.raises(ValueError, match="counting"):
        counting.flops_per_token(1, 8, 10, 4, counting="embedding")
    with pytest.raises(ValueError, match="n_head"):
        counting.flops_per_token(1, 8, 10, 4, method="chinchilla", n_head=0)
