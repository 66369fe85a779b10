"""Tests of nsl_utils.manifold: interpolation rates on a cube, the smooth target, TwoNN."""

import numpy as np
import pytest

from nsl_utils import manifold as M
from nsl_utils.regimes import loglog_slope



def test_interpolation_rates_d1():
    D = np.array([64, 256, 1024])
    nn = [M.interpolation_error(int(n), 1, "nearest") for n in D]
    lin = [M.interpolation_error(int(n), 1, "linear") for n in D]
    assert loglog_slope(D, nn) == pytest.approx(-2.0, abs=0.4)
    assert loglog_slope(D, lin) == pytest.approx(-4.0, abs=0.6)


def test_piecewise_linear_is_exact_on_affine_functions():
    rng = np.random.default_rng(7)
    X, T = rng.random((200, 3)), 0.2 + 0.6 * rng.random((50, 3))
    f = lambda x: 1.0 + x @ np.array([2.0, -1.0, 0.5])  # noqa: E731
    np.testing.assert_allclose(M._piecewise_linear(X, f(X), T), f(T), atol=1e-10)


def test_interpolation_bad_input():
    with pytest.raises(ValueError, match="method"):
        M.interpolation_error(10, 2, method="cubic")
    with pytest.raises(ValueError, match="d"):
        M.interpolation_error(10, 9)


@pytest.mark.parametrize("d", [1, 2, 4])
def test_twonn_recovers_dimension_of_embedded_cube(d):
    rng = np.random.default_rng(d)
    Q, _ = np.linalg.qr(rng.standard_normal((10, d)))
    X = rng.random((3000, d)) @ Q.T  # a d-dimensional cube rotated into R^10
    assert M.intrinsic_dimension(X) == pytest.approx(d, rel=0.15)


def test_intrinsic_dimension_bad_input():
    with pytest.raises(ValueError, match="X"):
        M.intrinsic_dimension(np.ones((5, 2)))
    with pytest.raises(ValueError, match="duplicate"):
        M.intrinsic_dimension(np.zeros((30, 2)))
    with pytest.raises(ValueError, match="method"):
        M.intrinsic_dimension(np.random.default_rng(0).random((30, 2)), method="mle")


def test_smooth_target_unit_variance_and_smoothness_option():
    X = np.random.default_rng(8).random((20000, 3))
    # unit variance under the teacher prior: average the second moment over teachers
    second_moment = np.mean([np.mean(M.smooth_target(X, seed=s) ** 2) for s in range(20)])
    assert second_moment == pytest.approx(1.0, rel=0.15)
    assert M.smooth_target(X[:5], smoothness=2.0).shape == (5,)
    with pytest.raises(ValueError, match="smoothness"):
        M.smooth_target(X[:5], smoothness=0.0)
