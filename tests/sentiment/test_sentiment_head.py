"""What the L2 penalty of a head fit measures: standardised features or the embedding itself."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from sentiment import head
from sentiment.head import fit_logistic


def _wide_and_narrow(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Two features: one the texts spread widely along (noisy but telling), one that separates
    the training rows almost perfectly on a tiny scale (the kind of direction written texts
    have and real reviews do not follow)."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    sign = 2.0 * y - 1.0
    wide = sign + rng.normal(0.0, 1.0, n)
    narrow = 0.01 * sign + rng.normal(0.0, 0.001, n)
    return np.column_stack([wide, narrow]), y


def _share_of_logit_from_each_feature(weight: np.ndarray, x: np.ndarray) -> np.ndarray:
    contribution = np.abs(weight[1] - weight[0]) * x.std(0)
    return contribution / contribution.sum()


def test_a_standardised_penalty_leans_on_the_narrow_feature():
    x, y = _wide_and_narrow()
    weight, _ = fit_logistic(x, y, 0.01, n_classes=2)
    assert _share_of_logit_from_each_feature(weight, x)[1] > 0.7


def test_an_isotropic_penalty_keeps_the_head_on_the_direction_the_texts_spread_along():
    x, y = _wide_and_narrow()
    weight, _ = fit_logistic(x, y, 0.01, n_classes=2, standardise=False)
    assert _share_of_logit_from_each_feature(weight, x)[0] > 0.95


def test_the_isotropic_fit_is_deterministic_and_folds_the_centring_into_the_bias():
    x, y = _wide_and_narrow()
    shifted = x + np.array([5.0, -3.0])
    w1, b1 = fit_logistic(x, y, 0.01, n_classes=2, standardise=False)
    w2, b2 = fit_logistic(x, y, 0.01, n_classes=2, standardise=False)
    w3, b3 = fit_logistic(shifted, y, 0.01, n_classes=2, standardise=False)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    np.testing.assert_allclose(x @ w1.T + b1, shifted @ w3.T + b3, atol=1e-6)


def test_fits_run_on_one_blas_thread(monkeypatch: pytest.MonkeyPatch):
    """The products are small; on a busy CPU, BLAS threads waiting on each other cost far more."""
    seen: list[set[int]] = []
    real = head.minimize

    def spy(*args: object, **kwargs: object) -> object:
        seen.append({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})
        return real(*args, **kwargs)

    monkeypatch.setattr(head, "minimize", spy)
    x, y = _wide_and_narrow()
    fit_logistic(x, y, 0.01, n_classes=2)
    assert seen == [{1}]
