"""Tests of workbench.synthetic: KernelSynth series and PatchTST-ready windows."""

import numpy as np
import pytest

from workbench.synthetic import KernelSynthArgs, kernel_bank, kernel_synth, synthetic_windows


def test_series_are_reproducible_standardised_and_varied():
    a, names = kernel_synth(40, 96, seed=3, return_kernels=True)
    b = kernel_synth(40, 96, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, kernel_synth(40, 96, seed=4))
    np.testing.assert_allclose(a.mean(1), 0, atol=1e-8)
    np.testing.assert_allclose(a.std(1), 1, atol=1e-6)
    assert len(set(names)) > 20  # random compositions, not one kernel
    # the compositions differ in smoothness: lag-1 autocorrelation spans rough to smooth series
    ac1 = np.array([np.corrcoef(x[:-1], x[1:])[0, 1] for x in a])
    assert ac1.min() < 0.5 < 0.95 < ac1.max()


def test_a_periodic_kernel_gives_a_periodic_series():
    bank = dict(kernel_bank(120))
    t = np.linspace(0, 1, 120)
    cov = bank["periodic(12)"](t, t) + 1e-6 * np.eye(120)
    x = np.linalg.cholesky(cov) @ np.random.default_rng(0).standard_normal(120)
    # period 12 steps: the series repeats itself after 12 steps, not after 6
    assert np.corrcoef(x[:-12], x[12:])[0, 1] > 0.95 > np.corrcoef(x[:-6], x[6:])[0, 1]


def test_windows_shape_and_errors():
    X = synthetic_windows(50, window=16, channels=3, seed=0, length=64)
    assert X.shape == (50, 16, 3) and X.dtype == np.float32 and np.isfinite(X).all()
    with pytest.raises(ValueError, match="window"):
        synthetic_windows(5, window=80, channels=1, length=64)
    with pytest.raises(ValueError, match="max_kernels"):
        kernel_synth(2, 10, args=KernelSynthArgs(max_kernels=0))
    with pytest.raises(ValueError, match="length"):
        kernel_synth(2, 1)
