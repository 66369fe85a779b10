"""Published reference values, each with its citation: the one place the book reads them from.

A notebook computes its own number and asserts it against a value from this module
with a stated tolerance. Nothing here is fitted or derived by this project; the fitted
law constants themselves (``HOFFMANN_2022`` and friends) live in :mod:`nsl_utils.laws`,
also with their citations.

Keys of the BibTeX entries in ``book/references.bib`` are given in brackets.
"""

from __future__ import annotations

# --- Kaplan et al. (2020), "Scaling Laws for Neural Language Models" [kaplan2020scaling] ---
#: Exponent of N_opt ∝ C_min^a in non-embedding parameters (Kaplan et al. 2020, Eq. 6.1 / Fig. 14).
KAPLAN_N_OPT_EXPONENT = 0.73
#: Prefactor of N_opt = 1.3e9 · C_min^0.73, C_min in PF-days (Kaplan et al. 2020, Fig. 14).
KAPLAN_N_OPT_PREFACTOR = 1.3e9
#: Exponent of L(C_min) = (C_c^min / C_min)^0.050 (Kaplan et al. 2020, Eq. 1.3), as a slope.
KAPLAN_LOSS_CMIN_SLOPE = -0.050
#: Slope of L(C) = (C_c / C)^0.057 at fixed batch size (Kaplan et al. 2020, Sec. 3.3, Fig. 13);
#: the number Pearce & Song (2024, Sec. 4) compare their simulated loss-compute slope with.
KAPLAN_LOSS_COMPUTE_SLOPE = -0.057

#: One petaflop/s-day in FLOP: 1e15 FLOP/s × 86,400 s (Kaplan et al. 2020, Sec. 1.3).
PF_DAY = 1e15 * 24 * 3600

#: Sizes of the models Kaplan et al. (2020, Sec. 3) trained: "from 768 to 1.5 billion
#: non-embedding parameters".
KAPLAN_NONEMB_PARAMS_RANGE = (768.0, 1.5e9)
#: Dataset sizes they trained on: "from 22 million to 23 billion tokens" (Kaplan et al. 2020, Sec. 3).
KAPLAN_TOKENS_RANGE = (22e6, 23e9)
#: Their data and tokenizer: WebText2, byte-pair encoding with a vocabulary of 50,257 (Kaplan et
#: al. 2020, Sec. 2); the losses of their laws are test losses there, in nats per token.
KAPLAN_VOCAB_SIZE = 50257
#: Where L(C_min) and L(D) contradict each other, so that Kaplan et al.'s laws "break down at or
#: before" it (Kaplan et al. 2020, Sec. 6.3, Eq. 6.8): C* ~ 1e4 PF-days, N* ~ 1e12 parameters,
#: D* ~ 1e12 tokens, L* ~ 1.7 nats/token, each uncertain by an order of magnitude either way.
KAPLAN_BREAKDOWN = {"C_min_pf_days": 1e4, "N": 1e12, "D": 1e12, "L": 1.7}
#: Kaplan et al. (2020), Appendix A, Table 5, "the empirical fitted values" of their trends: L(N)
#: (Eq. 1.1), L(D) (1.2), L(C) at fixed batch (3.3, "naive"), L(C_min) (1.3), the critical batch
#: size B_crit(L) = B_* / L^(1/α_B) (1.4, 5.3; B_* in tokens; Eqs. 1.4 and 5.3 print B_* ~ 2e8, Fig. 10
#: 2.1e8 · L^-4.8) and the learning-curve term of L(N, S) (1.6); C_c in PF-days, N_c in non-embedding
#: parameters, D_c in tokens, S_c in steps.
KAPLAN_TABLE5 = {
    "alpha_N": 0.076, "N_c": 8.8e13, "alpha_D": 0.095, "D_c": 5.4e13,
    "alpha_C": 0.057, "C_c_pf_days": 1.6e7, "alpha_C_min": 0.050, "C_c_min_pf_days": 3.1e8,
    "alpha_B": 0.21, "B_star": 2.1e8, "alpha_S": 0.76, "S_c": 2.1e3,
}
#: The fit of L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S itself (Kaplan et al. 2020, Sec. 5.2, the
#: table "Fits to L(N, S)", Eq. 5.6), to every step after warmup of their Adam-trained runs.
KAPLAN_L_N_S_FIT = {"alpha_N": 0.077, "alpha_S": 0.76, "N_c": 6.5e13, "S_c": 2.1e3}
#: Kaplan et al. (2020), Appendix A, Table 6, the compute-efficient allocation fitted to their
#: runs: X_opt = X_e · C_min^p_X with C_min in PF-days; N_e in non-embedding parameters, B_e and D_e
#: in tokens, S_e in steps (S_min is a lower bound, D_opt assumes one epoch). p_N and N_e are
#: also KAPLAN_N_OPT_EXPONENT and KAPLAN_N_OPT_PREFACTOR above.
KAPLAN_TABLE6 = {"p_N": 0.73, "N_e": 1.3e9, "p_B": 0.24, "B_e": 2.0e6, "p_S": 0.03, "S_e": 5.4e3,
                 "p_D": 0.27, "D_e": 2e10}
#: The same data requirement as printed in their Eq. 6.7, D(C_min) = 2 C_min / (6 N(C_min)) ≈
#: (4 × 10^10 tokens)(C_min/PF-day)^0.26 (Kaplan et al. 2020, Sec. 6.3): prefactor and exponent differ
#: from Table 6's D_e and p_D.
KAPLAN_EQ67_DATA = {"D_e": 4e10, "p_D": 0.26}
#: The exponent α_C^min = 1/(1/α_S + 1/α_B + 1/α_N) that L(N, S_min) and B_crit(L) predict: "≈ 0.054"
#: in the main text (Kaplan et al. 2020, Eq. 6.4), "≈ 0.052" in Appendix B (Eq. B.7).
KAPLAN_ALPHA_C_MIN_PREDICTED_MAIN = 0.054
KAPLAN_ALPHA_C_MIN_PREDICTED_APPENDIX = 0.052
#: The prediction N(C_min) ∝ C_min^(α_C^min/α_N) ≈ C_min^0.71 (Kaplan et al. 2020, Eq. 6.5), made
#: with the main text's 0.054.
KAPLAN_N_OPT_EXPONENT_PREDICTED = 0.71
#: Compute-efficient training stops a fixed α_N/α_S ≈ 10% above the converged loss (Kaplan et al.
#: 2020, Eq. B.5).
KAPLAN_EFFICIENT_LOSS_EXCESS = 0.10
#: Compute-efficient training (f = α_N/α_S above convergence) against training to f' = 2% above it,
#: at the same loss: "2.7x more parameters", 0.13 of the steps ("7.7x fewer parameter updates") and
#: 0.35 of the compute ("65% less compute") (Kaplan et al. 2020, App. B.3, Eqs. B.12-B.14).
KAPLAN_CONVERGENCE_COMPARISON = {"f_prime": 0.02, "N": 2.7, "S": 0.13, "C": 0.35}
#: Models from 0.6x to 2.2x the compute-efficient size reach its loss with "only a 20% increase in
#: compute budget"; the 2.2x model takes "45% fewer steps" (Kaplan et al. 2020, App. B.4, Eqs.
#: B.16-B.17, Fig. 12).
KAPLAN_SUBOPTIMAL_SIZES = {"extra_compute": 0.20, "smaller": 0.6, "larger": 2.2, "fewer_steps_larger": 0.45}
#: Their training recipe: Adam "for a fixed 2.5 × 10^5 steps with a batch size of 512 sequences of
#: 1024 tokens", "a 3000 step linear warmup followed by a cosine decay to zero" (Kaplan et al. 2020,
#: Sec. 2.2); the batch is 2^19 tokens (Sec. 3).
KAPLAN_TRAINING_STEPS = 250_000
KAPLAN_WARMUP_STEPS = 3000
KAPLAN_BATCH_TOKENS = 512 * 1024
#: Kaplan et al. leave the 1-layer models out of their power-law fits to L(C_min) (Sec. 6.1, Fig. 13).
KAPLAN_FIT_MIN_LAYERS = 2

# --- Hoffmann et al. (2022) on Kaplan et al.'s learning-rate schedule [hoffmann2022training] ---
#: "For a fixed learning rate cosine schedule to 130B tokens, the intermediate loss estimates (for
#: D' << 130B) are therefore overestimates of the loss of a model trained with a schedule length
#: matching D'" (Hoffmann et al. 2022, Sec. 2): the length in tokens of Kaplan's schedule.
HOFFMANN_KAPLAN_SCHEDULE_TOKENS = 130e9
#: The cosine cycle lengths of Hoffmann et al. (2022), Fig. A1, as multiples of the target number
#: of training steps.
HOFFMANN_FIG_A1_CYCLE_RATIOS = (1.0, 1.1, 1.25, 1.5, 2.0, 5.0)
#: "when the cosine cycle overshoots the number of training steps by more than 25%, performance is
#: noticeably degraded" (Hoffmann et al. 2022, App. D.1; App. B and Fig. A1): the overshoot as a
#: fraction of the training steps.
HOFFMANN_COSINE_OVERSHOOT = 0.25
#: Their cosine decays the learning rate 10x over the cycle (Hoffmann et al. 2022, App. B).
HOFFMANN_LR_DECAY_FACTOR = 10.0

# --- Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models" [hoffmann2022training] ---
#: Exponent a of N_opt ∝ C^a, Approach 3 (Hoffmann et al. 2022, Table 2).
HOFFMANN_A_APPROACH3 = 0.46
#: Exponents a of Approaches 1 and 2 (Hoffmann et al. 2022, Table 2).
HOFFMANN_A_APPROACH1 = 0.50
HOFFMANN_A_APPROACH2 = 0.49
#: 80% interval Hoffmann et al. report for a under Approach 3 (Table 2: 0.454-0.455).
HOFFMANN_A_APPROACH3_INTERVAL = (0.454, 0.455)
#: Gopher's training budget in FLOP as Hoffmann et al. count it (Sec. 3.4 and Table 3).
GOPHER_FLOPS = 5.76e23
#: Sizes of the models behind the fits: "from 70 million to over 16 billion parameters" (Hoffmann
#: et al. 2022, abstract); the configurations listed in their Table A9 run from 44M to 16,183M
#: total parameters (see data/chinchilla_table_a9.csv).
HOFFMANN_PARAMS_RANGE_ABSTRACT = (70e6, 16e9)
HOFFMANN_TABLE_A9_PARAMS_RANGE = (44e6, 16.183e9)
#: Training tokens of those runs: "on 5 to 500 billion tokens" (Hoffmann et al. 2022, abstract).
HOFFMANN_TOKENS_RANGE = (5e9, 500e9)
#: The nine IsoFLOP budgets of Approach 2 range "from 6 × 10^18 to 3 × 10^21 FLOPs"
#: (Hoffmann et al. 2022, Sec. 3.2); Approach 3 fits the final losses of Approaches 1 and 2.
HOFFMANN_ISOFLOP_BUDGET_RANGE = (6e18, 3e21)

#: Reference models for figures: (total parameters, training tokens). GPT-3: Brown et al. (2020),
#: Table 2.1 and Sec. 2.2 [brown2020language]; Gopher: Rae et al. (2021) [rae2021scaling];
#: Chinchilla: Hoffmann et al. (2022), Sec. 4.1.
REFERENCE_MODELS = {
    "GPT-3": (175e9, 300e9),
    "Gopher": (280e9, 300e9),
    "Chinchilla": (70e9, 1.4e12),
}

# --- Besiroglu et al. (2024), "Chinchilla Scaling: A replication attempt" [besiroglu2024chinchilla] ---
#: Epoch AI's fit when replicating Hoffmann's procedure exactly on the digitised data
#: (Besiroglu et al. 2024, Sec. 3 / their repository's "replicate exactly" fit).
EPOCH_REPLICATE_EXACT = {"E": 1.8172, "A": 477.8, "B": 2143.9, "alpha": 0.3473, "beta": 0.3672}
#: Irreducible loss E of that "replicate exactly" fit (the entry above), which is not their headline.
EPOCH_REPLICATE_EXACT_E = EPOCH_REPLICATE_EXACT["E"]
#: Irreducible loss E of Epoch's headline fit, E = 1.82 in Besiroglu et al. (2024), Eq. (3)
#: (with A 482.01, B 2085.43, α 0.3478, β 0.3658); unrounded, 1.8169 = exp(0.59711196), the log-E
#: of the headline parameters in their repository's analysis notebook (``baseline_fitted_params``
#: in ``data_analysis.ipynb`` of epoch-research/analyzing-chinchilla) [epoch2024analyzing].
EPOCH_HEADLINE_E = 1.8169
#: Epoch's 95% bootstrap intervals (Besiroglu et al. 2024, Table 1).
EPOCH_INTERVALS_95 = {"alpha": (0.317, 0.373), "beta": (0.331, 0.415)}
#: Implied a = β/(α+β) of Epoch's headline fit (Besiroglu et al. 2024, Sec. 3).
EPOCH_A = 0.513
#: Number of highest-loss points Besiroglu et al. (2024, Sec. 2) leave out of the 245 digitised
#: ones before fitting (240 remain).
EPOCH_N_EXCLUDED = 5

# --- Pearce & Song (2024), "Reconciling Kaplan and Chinchilla Scaling Laws" [pearce2024reconciling] ---
#: ω of N_T = N_nonemb + ω N_nonemb^(1/3) fitted to Chinchilla's Table A9 (Pearce & Song 2024, Sec. 3).
PEARCE_SONG_OMEGA = 47491.0
#: Aspect ratio d_model / n_layer implied by that ω (Pearce & Song 2024, Sec. 3).
PEARCE_SONG_ASPECT_RATIO = 39.2
#: Local exponent of the simulated Kaplan-style study in non-embedding terms (Sec. 4, Fig. 3):
#: Epoch's coefficients, and Chinchilla's unrounded coefficients.
PEARCE_SONG_LOCAL_EXPONENT_EPOCH = 0.78
PEARCE_SONG_LOCAL_EXPONENT_CHINCHILLA = 0.74
#: The same study counted in total parameters with Epoch's coefficients (Sec. 4).
PEARCE_SONG_TOTAL_EXPONENT_EPOCH = 0.51
#: Slope of loss against compute, without an offset, in the simulated study (Sec. 4).
PEARCE_SONG_LOSS_COMPUTE_SLOPE = -0.069
#: Their small-LM experiment (Sec. 5): exponents in total and non-embedding counting.
PEARCE_SONG_LM_EXPONENT_TOTAL = 0.49
PEARCE_SONG_LM_EXPONENT_NONEMBEDDING = 0.74
#: The models of that experiment (Sec. 5): 0.8M to 4.6M total parameters with GPT-2's vocabulary
#: and a 16-token context.
PEARCE_SONG_LM_N_TOTAL_RANGE = (0.8e6, 4.6e6)
PEARCE_SONG_LM_VOCAB = 50257
PEARCE_SONG_LM_N_CTX = 16
#: Alternative fits to Chinchilla's Table A9 drawn in Pearce & Song's analysis script
#: (github.com/TeaPearce/Reconciling_Kaplan_Chinchilla_Scaling_Laws,
#: script_analysis_kaplan_chinchilla.py, the N_nonemb-vs-N_T figure): with the exponent of N_nonemb
#: left free it is 0.34 (at ω = 47491), and with it fixed at 1/3 the fit gives ω = 52960.
PEARCE_SONG_FREE_EXPONENT = 0.34
PEARCE_SONG_OMEGA_FIXED_EXPONENT = 52960.0
#: The range of non-embedding compute C_nonemb over which their simulated study fits the local exponent,
#: as log10 FLOP (Pearce & Song 2024, Sec. 4 and their analysis script): 10^12.95 to 10^20.7.
PEARCE_SONG_LOG10_COMPUTE_RANGE = (12.95, 20.7)

# --- Porian et al. (2024), "Resolving Discrepancies in Compute-Optimal Scaling of LMs" [porian2024resolving] ---
#: Exponent a of N* ∝ C^a at each step of their Table 1, RefinedWeb: Kaplan's setup; count the
#: last layer; correct warmup; cosine decay matched to the budget; tuned hyper-parameters.
PORIAN_STAIRCASE_RW = (0.835, 0.706, 0.602, 0.571, 0.497)
#: The same steps on OpenWebText2 (Porian et al. 2024, Table 1).
PORIAN_STAIRCASE_OWT2 = (0.864, 0.699, 0.603, 0.574, 0.518)

# --- Sardana et al. (2024), "Beyond Chinchilla-Optimal" [sardana2024beyond] ---
#: Their FLOP accounting (Sardana et al. 2024, Sec. 2, the objective of Eq. 2): training costs 6 N
#: FLOP per training token (forward and backward pass), inference 2 N FLOP per inference token
#: (forward pass only), N counting the model's parameters as Chinchilla does (the book's N_T).
SARDANA_TRAINING_FLOPS_PER_PARAM_TOKEN = 6.0
SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0
#: The worked example of their Figure 1 (ICML 2024 version; the first arXiv version, by Sardana &
#: Frankle, December 2023, has other figures): "An LLM developer seeking to train a 13B model who
#: expects 2 trillion tokens of inference demand during the model's lifetime can reduce their total
#: compute by 1.7 × 10^22 FLOPs (17%) by instead training a 7B model on more data". The 13B model
#: is Chinchilla-optimal; the 7B model reaches the same loss. The printed precision (two digits, a
#: whole percent, a whole billion) is the tolerance of the reproduction.
SARDANA_FIG1 = {
    "chinchilla_params": 13e9,
    "inference_tokens": 2e12,
    "inference_aware_params": 7e9,
    "saving_flops": 1.7e22,
    "saving_fraction": 0.17,
}
#: The Chinchilla Approach-3 coefficients with which their Figure 1 reproduces to the digits
#: printed: Hoffmann et al.'s E = 1.69, A = 406.4, B = 410.7 (Eq. 10) with the exponents to three
#: decimals, α = 0.336 and β = 0.283, values that some re-implementations of the Chinchilla law
#: also use with that A and B. With Eq. (10)'s two-decimal 0.34 and 0.28 the same example saves
#: 1.2e22 FLOP (9%), and with the Appendix-D.2 exponents 1.6e22 FLOP (16%).
SARDANA_CHINCHILLA_FIT = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336, "beta": 0.283}
#: Their check of the law far from Chinchilla's ratios: "we train 47 models of varying sizes and
#: parameter counts ... and find that model quality continues to improve as we scale tokens per
#: parameter to extreme ranges (up to 10,000)", and a fit made "only from data collected at typical
#: token/parameter ratios overestimates the impact of additional tokens at these extreme ranges"
#: (Sardana et al. 2024, abstract).
SARDANA_N_MODELS = 47
SARDANA_MAX_TOKENS_PER_PARAMETER = 10_000

# --- Model shapes and nominal sizes, for counting parameters ---
#: Shapes (n_layer, d_model, n_head, vocab_size, n_ctx) and nominal total parameters.
#: GPT-2 small: Radford et al. (2019) and the released checkpoint's configuration [radford2019language].
#: GPT-3 175B: Brown et al. (2020), Table 2.1 [brown2020language].
#: Gopher 280B: Rae et al. (2021), Table 1 [rae2021scaling]; vocabulary 32,000 (Sec. 3).
#: Chinchilla 70B: Hoffmann et al. (2022), Table 4; vocabulary 32,000 [hoffmann2022training].
REFERENCE_CONFIGS = {
    "GPT-2 small": {"n_layer": 12, "d_model": 768, "n_head": 12, "vocab_size": 50257,
                    "n_ctx": 1024, "nominal": 124e6},
    "GPT-3 175B": {"n_layer": 96, "d_model": 12288, "n_head": 96, "vocab_size": 50257,
                   "n_ctx": 2048, "nominal": 175e9},
    "Gopher 280B": {"n_layer": 80, "d_model": 16384, "n_head": 128, "vocab_size": 32000,
                    "n_ctx": 2048, "nominal": 280e9},
    "Chinchilla 70B": {"n_layer": 80, "d_model": 8192, "n_head": 64, "vocab_size": 32000,
                       "n_ctx": 2048, "nominal": 70e9},
}
#: Parameter count of the released GPT-2 small checkpoint (tied embeddings), as loaded by
#: common implementations of Radford et al. (2019); their paper's Table 2 lists 117M.
GPT2_SMALL_PARAMS = 124_439_808
#: Chinchilla's rule of thumb: about 20 training tokens per parameter at the compute optimum
#: (Hoffmann et al. 2022, Table 3: 70B parameters, 1.4T tokens).
CHINCHILLA_TOKENS_PER_PARAM = 20.0

# --- Jiang et al. (2024), "Mixtral of Experts" [jiang2024mixtral] ---
#: Mixtral 8x7B's architecture, Jiang et al. (2024), Table 1: dim 4096, n_layers 32, head_dim 128,
#: hidden_dim 14336, n_heads 32, n_kv_heads 8 (grouped-query attention), context_len 32768,
#: vocab_size 32000, num_experts 8, top_k_experts 2, under the book's names. Each expert is a SwiGLU
#: block and the router a d_model x num_experts gating matrix, G(x) = Softmax(TopK(x W_g)) (their
#: Sec. 2.1). The rest is Mistral 7B's block ("Mixtral has the same architecture as Mistral 7B, with
#: the difference that each layer is composed of 8 feedforward blocks", abstract): RMSNorm, rotary
#: positions (no position embedding), no biases, and untied input and output embeddings
#: (``tie_word_embeddings: false`` in the released checkpoint's configuration).
MIXTRAL_8X7B_CONFIG = {
    "n_layer": 32, "d_model": 4096, "head_dim": 128, "d_ff": 14336, "n_head": 32, "n_kv_head": 8,
    "n_ctx": 32768, "vocab_size": 32000, "n_experts": 8, "experts_per_token": 2,
}
#: "each token has access to 47B parameters, but only uses 13B active parameters during inference"
#: (Jiang et al. 2024, abstract). Printed in whole billions, so a reproduction agrees
#: within ±0.5B (MIXTRAL_8X7B_PRINTED_PRECISION).
MIXTRAL_8X7B_TOTAL_PARAMS = 47e9
MIXTRAL_8X7B_ACTIVE_PARAMS = 13e9
MIXTRAL_8X7B_PRINTED_PRECISION = 0.5e9

# --- Hutter (2021), "Learning Curve Theory" [hutter2021learning] ---
#: Learning-curve slopes of the memorisation model with Zipf-distributed features
#: theta_i ∝ i^-(1+alpha): expected error E_n ∝ n^(-alpha/(1+alpha)) (Hutter 2021, the
#: Zipf-distributed case of the deterministic model: beta = 1 - 1/alpha_H with alpha_H = 1 + alpha).
HUTTER_ZIPF_SLOPES = {0.5: -1 / 3, 1.0: -1 / 2, 2.0: -2 / 3}

# --- Bahri et al. (2021/2024), "Explaining Neural Scaling Laws" [bahri2021explaining] ---
#: Slope of L - L_limit in both variance-limited regimes: ∝ 1/D at fixed model, ∝ 1/width at
#: fixed data (Bahri et al., Sec. 2.1, the variance-limited scaling; Fig. 1).
BAHRI_VARIANCE_LIMITED_SLOPE = -1.0

# --- Sharma & Kaplan (2020), "A Neural Scaling Law from the Dimension of the Data Manifold" [sharma2020neural] ---
#: Numerator c of the resolution-limited exponent c/d of the mean-squared error on a
#: d-dimensional manifold: piecewise-linear approximation errs by O(h^2), so c = 4 (their
#: alpha = 4/d, Sec. 2); piecewise-constant (nearest-neighbour) errs by O(h), so c = 2.
INTERPOLATION_EXPONENT_NUMERATOR = {"linear": 4.0, "nearest": 2.0}

# --- Muennighoff et al. (2023), "Scaling Data-Constrained Language Models" [muennighoff2023scaling] ---
# Equation, table and appendix numbers are those of arXiv:2305.16264v4 (the NeurIPS 2023 version).
# Their repository, huggingface/datablations [muennighoff2023datablations], is cited at the commit
# 0c76502267929830725f1de47a1b7b02bec78af4 of its README ("Parametric Fit").
#: The decay constants as printed in their final law (Eq. 17): R*_D ≈ 15.4 repetitions of the data
#: and R*_N ≈ 5.3 of the excess parameters. App. A gives the fit unrounded, R*_D = 15.387756 and
#: R*_N = 5.309743, as does the repository's README; Sec. 6 rounds R*_D to "≈ 15", i.e. 16 epochs.
MUENNIGHOFF_R_D_STAR = 15.4
MUENNIGHOFF_R_N_STAR = 5.3
#: Their single-epoch law on C4 as printed (App. B, Eq. 20): L = 1.87 + 521/N^0.353 + 1488/D^0.353,
#: rounded from their fit a = 6.255414, b = 7.3049974, e = 0.6254804, α = β = 0.3526596 with
#: A = e^a, B = e^b, E = e^e (App. B; the README lists the same seven numbers).
MUENNIGHOFF_C4_PRINTED = {"E": 1.87, "A": 521.0, "B": 1488.0, "alpha": 0.353, "beta": 0.353}
#: The unique data's compute-optimal size in their final law, U_N = 0.051 U_D (Eq. 17).
MUENNIGHOFF_UN_PER_UD = 0.051
#: Gopher's budget, 5.76e23 FLOP, allocated by that C4 fit: N_opt = 70.0 billion parameters and
#: D_opt = 1.37 trillion tokens (App. B).
MUENNIGHOFF_GOPHER_ALLOCATION = {"N": 70.0e9, "D": 1.37e12}
#: Fig. 1 (right) and Sec. 5: at 9.3e21 FLOP and 25 billion unique tokens the Chinchilla law
#: allocates 8.67B parameters and 178B tokens (7.1 epochs), the data-constrained law 6.34B
#: parameters and 242B tokens (9.7 epochs): "27% less parameters".
MUENNIGHOFF_FIG1 = {"compute": 9.3e21, "unique_tokens": 25e9, "chinchilla": (8.67e9, 178e9),
                    "data_constrained": (6.34e9, 242e9), "fewer_params": 0.27}
#: The README evaluates the law (unrounded constants) at those two models,
#: L(6.34e9, 242e9, 25e9) = 2.2256440889984477 and L(8.67e9, 178e9, 25e9) = 2.2269634075087867,
#: and its grid search from the second finds "227B tokens, 9.1 epochs, 6.8B parameters".
MUENNIGHOFF_README_LOSSES = {"data_constrained": 2.2256440889984477, "chinchilla": 2.2269634075087867}
MUENNIGHOFF_README_ALLOCATION = {"tokens": 227e9, "epochs": 9.1, "params": 6.8e9}
#: Sec. 6 (a measurement, Fig. 4): the 8.7B-parameter model trained on 178B tokens for four epochs
#: (44B unique) "finishes training with only 0.5% higher validation loss" than on 178B unique.
MUENNIGHOFF_FOUR_EPOCH_LOSS_INCREASE = 0.005
#: The headline epochs: "up to 4 epochs" of repeated data yield "negligible changes to loss"
#: (abstract); "meaningful gains from repeating data can be made up to around 16 epochs (R*_D)
#: beyond which returns diminish extremely fast" (Sec. 6); "at 40 epochs, repeating is worthless"
#: (Fig. 1, left).
MUENNIGHOFF_EPOCHS = {"negligible": 4, "diminishing": 16, "worthless": 40}
#: App. A, Table 1: fitted with only the data decaying (no R*_N), the same 182 runs give
#: R*_D = 2.9157; with both, R*_D = 15.3878 and R*_N = 5.3097.
MUENNIGHOFF_R_D_STAR_DATA_ONLY = 2.9157
#: What their decay constants were fitted on: 182 runs of 7 million to 9 billion parameters trained
#: for 1 to 500 epochs (App. A), on C4 with the GPT-2 tokenizer (Sec. 4).
MUENNIGHOFF_FIT_PARAMS_RANGE = (7e6, 9e9)
MUENNIGHOFF_FIT_EPOCHS_RANGE = (1.0, 500.0)
