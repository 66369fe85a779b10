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


# --- mixture of experts: moe_params and MoEParamCount -------------------------------------------

MIXTRAL = published.MIXTRAL_8X7B_CONFIG
MIXTRAL_SHAPE = {k: MIXTRAL[k] for k in ("d_ff", "n_head", "n_kv_head", "head_dim")}


def mixtral(**overrides):
    kwargs = {"n_experts": MIXTRAL["n_experts"], "experts_per_token": MIXTRAL["experts_per_token"],
              **MIXTRAL_SHAPE, **overrides}
    return counting.moe_params(MIXTRAL["n_layer"], MIXTRAL["d_model"], MIXTRAL["vocab_size"], **kwargs)


def test_mixtral_reproduces_the_published_total_and_active_counts():
    c = mixtral()
    tol = published.MIXTRAL_8X7B_PRINTED_PRECISION
    assert abs(c.total - published.MIXTRAL_8X7B_TOTAL_PARAMS) <= tol
    assert abs(c.active - published.MIXTRAL_8X7B_ACTIVE_PARAMS) <= tol
    # Exact, by hand: attention with 8 of 32 heads for K and V, SwiGLU experts, two RMSNorms,
    # a 4096 x 8 router per layer, a final RMSNorm, untied 32000 x 4096 embedding and head.
    d, f, layers, vocab = 4096, 14336, 32, 32000
    attention = 2 * d * d + 2 * d * (8 * 128)
    expert = 3 * d * f
    assert c.expert == expert
    assert c.router == layers * d * 8
    assert c.total == layers * (attention + 8 * expert + d * 8 + 2 * d) + d + 2 * vocab * d
    assert c.total == 46_702_792_704
    assert c.active == c.total - layers * 6 * expert == 12_879_925_248
    assert c.embedding == c.head == vocab * d
    assert c.non_embedding == c.total - 2 * vocab * d
    assert c.active_non_embedding == c.active - 2 * vocab * d
    assert c.active_share == pytest.approx(c.active / c.total)
    assert isinstance(c, counting.ParamCount)


def test_flops_per_token_follow_the_active_count():
    c = mixtral()
    assert c.flops_per_token() == 6 * c.active
    assert c.flops_per_token(inference=True) == 2 * c.active
    assert c.flops_per_token("total") == 6 * c.total
    # "standard": the input embedding is a lookup, the head multiplies.
    assert c.flops_per_token("standard") == 6 * (c.active_non_embedding + 32000 * 4096)
    # Attention over the context: Kaplan's 2 n_layer n_ctx d_attn forward, x3 to train; grouped-query
    # attention does not shrink it (d_attn is the query width, 32 x 128).
    with_attention = c.flops_per_token(n_ctx=32768)
    assert with_attention - c.flops_per_token() == 6 * 32 * 32768 * 4096
    assert c.flops_per_token(inference=True, n_ctx=1000) - 2 * c.active == 2 * 32 * 1000 * 4096


def test_one_expert_is_dense_without_router_and_matches_its_k1_cousin():
    dense = mixtral(n_experts=1, experts_per_token=1)
    assert dense.router == 0 and dense.active == dense.total == 7_241_732_096
    top1 = mixtral(experts_per_token=1)
    assert top1.total == mixtral().total
    assert top1.active == dense.total + top1.router


def test_all_experts_active_is_the_total():
    c = mixtral(experts_per_token=8)
    assert c.active == c.total and c.active_share == 1.0


@pytest.mark.parametrize("tied, bias", [(True, True), (False, True), (True, False), (False, False)])
def test_gpt2_block_reproduces_transformer_params(tied, bias):
    dense = counting.transformer_params(12, 768, 50257, 1024, tied=tied, bias=bias)
    moe = counting.moe_params(12, 768, 50257, n_experts=1, experts_per_token=1, mlp="gelu",
                              norm="layernorm", bias=bias, tied=tied, n_positions=1024)
    assert (moe.total, moe.embedding, moe.head, moe.non_embedding) == (
        dense.total, dense.embedding, dense.head, dense.non_embedding)


def test_existing_counts_are_unchanged():
    assert counting.transformer_params(12, 768, 50257, 1024).total == published.GPT2_SMALL_PARAMS
    assert counting.flops_per_token(12, 768, 50257, 1024) == 6 * published.GPT2_SMALL_PARAMS


def test_shared_experts_and_moe_every():
    base = dict(n_experts=4, experts_per_token=1, d_ff=64, n_head=2, mlp="gelu")
    every = counting.moe_params(4, 16, 100, **base)
    shared = counting.moe_params(4, 16, 100, n_shared_experts=1, **base)
    assert shared.total - every.total == 4 * shared.expert
    assert shared.active - every.active == 4 * shared.expert
    alternate = counting.moe_params(4, 16, 100, moe_every=2, **base)
    assert alternate.n_moe_layers == 2
    # Two dense layers of one MLP replace two layers of 4 experts and a router.
    assert every.total - alternate.total == 2 * (3 * every.expert + 16 * 4)
    assert every.active - alternate.active == 2 * 16 * 4


def test_grouped_query_attention_and_swiglu_counts():
    mha = counting.moe_params(1, 64, 10, n_experts=1, experts_per_token=1, n_head=8, d_ff=128)
    gqa = counting.moe_params(1, 64, 10, n_experts=1, experts_per_token=1, n_head=8, n_kv_head=2,
                              d_ff=128)
    assert mha.total - gqa.total == 2 * 64 * (64 - 16)
    gelu = counting.moe_params(1, 64, 10, n_experts=1, experts_per_token=1, n_head=8, d_ff=128,
                               mlp="gelu")
    assert mha.total - gelu.total == 64 * 128


@pytest.mark.parametrize(
    "overrides, name, fix",
    [
        ({"experts_per_token": 9}, "experts_per_token", "lower experts_per_token to at most 8"),
        ({"experts_per_token": 0}, "experts_per_token", "e.g. 2 for Mixtral"),
        ({"experts_per_token": -1}, "experts_per_token", ">= 1"),
        ({"n_experts": 0, "experts_per_token": 1}, "n_experts", "1 for a dense model"),
        ({"n_experts": -8}, "n_experts", ">= 1"),
        ({"n_experts": 2.5}, "n_experts", "whole number"),
        ({"n_shared_experts": -1}, "n_shared_experts", ">= 0"),
        ({"moe_every": 0}, "moe_every", ">= 1"),
        ({"moe_every": 33}, "moe_every", "from 1 to 32"),
        ({"n_positions": -1}, "n_positions", ">= 0"),
        ({"n_kv_head": 5}, "n_kv_head", "must divide n_head"),
        ({"n_kv_head": 0}, "n_kv_head", "positive integer"),
        ({"head_dim": None, "n_head": 3, "n_kv_head": 1}, "n_head", "pass head_dim"),
        ({"mlp": "relu"}, "mlp", "swiglu"),
        ({"norm": "batchnorm"}, "norm", "rmsnorm"),
    ],
)
def test_bad_moe_input_names_the_argument_and_the_fix(overrides, name, fix):
    with pytest.raises(ValueError, match=name) as exc:
        mixtral(**overrides)
    assert fix in str(exc.value)


def test_bad_flop_counting_of_a_moe_count():
    with pytest.raises(ValueError, match="counting"):
        mixtral().flops_per_token("non_embedding")
    with pytest.raises(ValueError, match="n_ctx"):
        mixtral().flops_per_token(n_ctx=0)
