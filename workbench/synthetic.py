"""Generic synthetic time series: Gaussian-process samples from random kernel compositions.

KernelSynth (Ansari et al. 2024, "Chronos", Algorithm 2): draw ``j`` kernels from a bank of
basis kernels (linear trend, smooth RBF, periodic at common periods, rational quadratic,
white noise, constant), combine them at random with ``+`` or ``*``, and sample one series from
the zero-mean Gaussian process with the composed kernel. The result covers trends,
seasonality, smooth drifts and noise in many mixtures, which a time-series base model should
have seen before it meets a new domain. This module is core: it knows nothing of any use case.

Usage::

    from workbench.synthetic import kernel_synth, synthetic_windows
    series = kernel_synth(100, 256, seed=0)              # (100, 256), each standardised
    X = synthetic_windows(500, window=32, channels=14)   # (500, 32, 14) float32 PatchTST inputs
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["KernelSynthArgs", "kernel_bank", "sample_kernel", "kernel_synth", "synthetic_windows"]

Kernel = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class KernelSynthArgs:
    """Settings of the kernel composition.

    Attributes:
        max_kernels: At most this many basis kernels per series (Chronos: 5).
        jitter: Added to the covariance diagonal so the Cholesky factor exists.
        standardise: Scale each series to mean 0, std 1 (PatchTST inputs are standardised).
    """

    max_kernels: int = 5
    jitter: float = 1e-5
    standardise: bool = True

    def problems(self, prefix: str = "synthetic") -> list[str]:
        """Every invalid field, each naming the field."""
        p = []
        if self.max_kernels < 1:
            p.append(f"{prefix}.max_kernels must be >= 1, got {self.max_kernels}")
        if not self.jitter > 0:
            p.append(f"{prefix}.jitter must be > 0, got {self.jitter}")
        return p


def _rbf(ls: float) -> Kernel:
    return lambda a, b: np.exp(-0.5 * ((a[:, None] - b[None, :]) / ls) ** 2)


def _periodic(period: float, ls: float = 1.0) -> Kernel:
    return lambda a, b: np.exp(-2.0 * np.sin(np.pi * np.abs(a[:, None] - b[None, :]) / period) ** 2 / ls**2)


def _rq(ls: float, alpha: float) -> Kernel:
    return lambda a, b: (1.0 + ((a[:, None] - b[None, :]) ** 2) / (2 * alpha * ls**2)) ** (-alpha)


def _linear(c: float) -> Kernel:
    return lambda a, b: (a[:, None] - c) * (b[None, :] - c)


def _white(level: float) -> Kernel:
    return lambda a, b: level * (np.abs(a[:, None] - b[None, :]) < 1e-12)


def _const(level: float) -> Kernel:
    return lambda a, b: np.full((len(a), len(b)), level)


def kernel_bank(length: int) -> list[tuple[str, Kernel]]:
    """The basis kernels on the time axis ``t = 0 .. 1`` of a series of ``length`` steps.

    Periods are those of common sampling rates (hourly: 24, 48, 168; daily: 7, 14, 30, 365;
    weekly: 52; monthly: 6, 12), expressed as shares of the series length; periods longer than
    the series are left out. Length scales span short wiggles to slow drifts.
    """
    bank: list[tuple[str, Kernel]] = []
    for p in (4, 6, 7, 12, 14, 24, 30, 48, 52, 96, 168, 365):
        if p < length:
            bank.append((f"periodic({p})", _periodic(p / length)))
    for ls in (0.01, 0.03, 0.1, 0.3, 1.0):
        bank.append((f"rbf({ls})", _rbf(ls)))
    for ls, al in ((0.05, 0.5), (0.2, 1.0), (0.5, 2.0)):
        bank.append((f"rq({ls},{al})", _rq(ls, al)))
    for c in (0.0, 0.5, 1.0):
        bank.append((f"linear({c})", _linear(c)))
    bank += [("white(0.1)", _white(0.1)), ("white(1)", _white(1.0)), ("const(1)", _const(1.0))]
    return bank


def sample_kernel(rng: np.random.Generator, length: int, max_kernels: int = 5) -> tuple[str, Kernel]:
    """A random composition of 1..``max_kernels`` basis kernels joined by ``+`` or ``*``.

    Returns:
        ``(description, kernel)``, e.g. ``("(rbf(0.3) + periodic(7)) * linear(0.0)", k)``.
    """
    bank = kernel_bank(length)
    j = int(rng.integers(1, max_kernels + 1))
    picks = [bank[i] for i in rng.choice(len(bank), j, replace=True)]
    name, kern = picks[0]
    for other_name, other in picks[1:]:
        if rng.random() < 0.5:
            name, kern = f"({name} + {other_name})", (lambda k1, k2: lambda a, b: k1(a, b) + k2(a, b))(kern, other)
        else:
            name, kern = f"({name} * {other_name})", (lambda k1, k2: lambda a, b: k1(a, b) * k2(a, b))(kern, other)
    return name, kern


def kernel_synth(n: int, length: int, *, seed: int = 0, args: KernelSynthArgs | None = None,
                 return_kernels: bool = False):
    """``n`` series of ``length`` steps, each a GP sample from its own random kernel composition.

    Args:
        n: Number of series.
        length: Steps per series (the cost is ``O(length**3)`` per series: keep it at a few hundred).
        seed: Random seed (same seed, same series).
        args: Composition settings.
        return_kernels: Also return each series' kernel description.

    Returns:
        ``(n, length)`` float64 array (standardised per series by default), and with
        ``return_kernels`` the list of descriptions.

    Raises:
        ValueError: ``n`` or ``length`` not positive, or invalid ``args``.
    """
    args = args or KernelSynthArgs()
    if n < 0 or length < 2:
        raise ValueError(f"kernel_synth: need n >= 0 and length >= 2, got n={n}, length={length}")
    if args.problems():
        raise ValueError("; ".join(args.problems()))
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, length)
    out = np.empty((n, length))
    names = []
    eye = np.eye(length)
    for i in range(n):
        name, kern = sample_kernel(rng, length, args.max_kernels)
        cov = kern(t, t)
        cov = 0.5 * (cov + cov.T)
        scale = max(float(np.mean(np.diag(cov))), 1e-8)
        for jit in (args.jitter, 1e-3, 1e-1):  # products of kernels can be ill-conditioned: add more jitter
            try:
                chol = np.linalg.cholesky(cov + jit * scale * eye)
                break
            except np.linalg.LinAlgError:
                continue
        else:  # pragma: no cover - the last jitter makes any PSD matrix positive definite
            chol = np.sqrt(scale) * eye
        x = chol @ rng.standard_normal(length)
        if args.standardise:
            x = (x - x.mean()) / max(float(x.std()), 1e-8)
        out[i] = x
        names.append(name)
    return (out, names) if return_kernels else out


def synthetic_windows(n: int, window: int, channels: int, *, seed: int = 0, length: int = 128,
                      args: KernelSynthArgs | None = None) -> np.ndarray:
    """PatchTST-ready windows ``(n, window, channels)`` cut from KernelSynth series.

    PatchTST's backbone is channel-independent, so channels are filled with independent series;
    each window is a random crop of ``window`` steps from a series of ``length`` steps. Series
    are reused across windows (``n * channels / 8`` series at least) to keep the GP cost low.

    Returns:
        float32 array, each channel standardised over its series.
    """
    if window > length:
        raise ValueError(f"synthetic_windows: window ({window}) must be <= length ({length})")
    rng = np.random.default_rng(seed + 1)
    n_series = max(1, min(n * channels, max(64, n * channels // 8)))
    series = kernel_synth(n_series, length, seed=seed, args=args)
    pick = rng.integers(0, n_series, size=(n, channels))
    start = rng.integers(0, length - window + 1, size=(n, channels))
    idx = start[..., None] + np.arange(window)  # (n, channels, window)
    X = series[pick[..., None], idx]  # (n, channels, window)
    return np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32)
