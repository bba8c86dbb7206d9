"""Building blocks shared by ``dse kpp`` and the crossbar studies: nets, samplers, trained variants.

* :func:`make_net` — the digits networks (``mlp``: 64-64-10; ``cnn``: conv3x3(16)-pool-64-10;
  ``resnet``: conv3x3(16) + two basic residual blocks of 16 channels, pool, 10);
* :func:`make_sampler` — Monte Carlo device instances for a named variation model;
* :func:`train_variant` — train without noise, with Gaussian or right-censored Gaussian noise
  injection (the three arms of the KPP study);
* :func:`save_net` / :func:`load_net` — trained weights as ``.npz``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dse.errors import DseInputError

from .network import Conv, Dense, Net, make_cnn, make_mlp, make_resnet
from .variation import (
    bitsliced_weights,
    check_bits,
    check_rates,
    check_sigma,
    gaussian_weights,
    pcm_weights,
    stuck_at_weights,
)

if TYPE_CHECKING:  # scipy.stats (via montecarlo) is slow to import: `dse --help` should not pay for it
    from .montecarlo import Sampler

__all__ = ["ARCHS", "NOISES", "TRAININGS", "load_net", "make_net", "make_sampler", "save_net", "train_variant"]

ARCHS = ("mlp", "cnn", "resnet")
NOISES = ("gaussian", "bitsliced", "stuck-at", "pcm")
TRAININGS = ("none", "gaussian", "rc-gaussian")


def make_net(arch: str, seed: int = 0) -> Net:
    """Untrained digits network ``arch`` (He initialisation from ``seed``)."""
    if arch == "mlp":
        return make_mlp([64, 64, 10], seed=seed, name="digits-mlp")
    if arch == "cnn":
        return make_cnn((1, 8, 8), channels=16, hidden=64, classes=10, seed=seed, name="digits-cnn")
    if arch == "resnet":
        return make_resnet((1, 8, 8), channels=16, blocks=2, classes=10, seed=seed, name="digits-resnet")
    raise DseInputError("arch", arch, "one of " + ", ".join(ARCHS))


def make_sampler(noise: str = "gaussian", *, sigma: float = 0.1, weight_bits: int = 8, cell_bits: int = 2,
                 device_type: str = "RRAM1", rate_sa0: float = 0.0, rate_sa1: float = 0.0,
                 t_inference: float | None = None) -> Sampler:
    """A ``sampler(weights, rng, draws)`` for the named device-variation model."""
    check_bits(weight_bits, cell_bits)
    if noise == "gaussian":
        sigma = check_sigma(sigma)
        return lambda ws, rng, n: [gaussian_weights(w, sigma, rng, n, weight_bits=weight_bits,
                                                    cell_bits=cell_bits, device_type=device_type) for w in ws]
    if noise == "bitsliced":
        sigma = check_sigma(sigma)
        return lambda ws, rng, n: [bitsliced_weights(w, sigma, rng, n, weight_bits=weight_bits,
                                                     cell_bits=cell_bits) for w in ws]
    if noise == "stuck-at":
        check_rates(rate_sa0, rate_sa1)  # before any training, not at the first draw
        return lambda ws, rng, n: [stuck_at_weights(w, rate_sa0, rate_sa1, rng, n, weight_bits=weight_bits,
                                                    cell_bits=cell_bits) for w in ws]
    if noise == "pcm":
        return lambda ws, rng, n: [pcm_weights(w, rng, n, t_inference=t_inference) for w in ws]
    raise DseInputError("noise", noise, "one of " + ", ".join(NOISES))


def train_variant(net0: Net, x: np.ndarray, y: np.ndarray, training: str, *, train_sigma: float = 0.0,
                  censor: float = 1.0, center: bool = False, epochs: int = 30, seed: int = 0) -> Net:
    """Train ``net0`` with no noise, Gaussian or right-censored Gaussian weight-noise injection.

    ``train_sigma`` is weight-referred (std / max|W|), see :mod:`.kernels`.
    """
    from .train import train

    if training == "none":
        return train(net0, x, y, epochs=epochs, seed=seed)
    train_sigma = check_sigma(train_sigma, "train_sigma")
    if training == "gaussian":
        return train(net0, x, y, kernel="cim-gaussian", kernel_params={"sigma": train_sigma}, epochs=epochs, seed=seed)
    if training == "rc-gaussian":
        return train(net0, x, y, kernel="cim-rc-gaussian",
                     kernel_params={"sigma": train_sigma, "censor": float(censor), "center": bool(center)},
                     epochs=epochs, seed=seed)
    raise DseInputError("train", training, "one of " + ", ".join(TRAININGS))


def save_net(net: Net, path: str | Path) -> None:
    """Store the Dense/Conv weights and biases of ``net`` (and its name) in an ``.npz`` file."""
    arrays: dict[str, Any] = {"name": np.asarray(net.name)}
    for i, layer in enumerate(l for l in net.layers if isinstance(l, (Dense, Conv))):
        arrays[f"w{i}"], arrays[f"b{i}"] = layer.w, layer.b
    np.savez(Path(path), **arrays)


def load_net(path: str | Path, arch: str) -> Net:
    """A ``make_net(arch)`` network with the weights stored by :func:`save_net`."""
    from dataclasses import replace

    p = Path(path)
    if not p.is_file():
        raise DseInputError("weights", str(p), "an existing .npz file written by --save")
    net = make_net(arch)
    try:
        archive = np.load(p, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DseInputError("weights", str(p), "an .npz file written by --save",
                            detail=f"numpy cannot read it as an .npz archive: {type(exc).__name__}") from None
    if not hasattr(archive, "files"):  # a bare .npy array, not an archive
        raise DseInputError("weights", str(p), "an .npz file written by --save (got a single .npy array)")
    with archive as data:
        n = len(net.weights())
        keys = [f"w{i}" for i in range(n)] + [f"b{i}" for i in range(n)]
        missing = [k for k in keys if k not in data]
        if missing:
            raise DseInputError("weights", str(p), f"arrays {', '.join(keys)} for arch {arch}")
        it_w = iter(data[f"w{i}"] for i in range(n))
        it_b = iter(data[f"b{i}"] for i in range(n))
        layers = []
        for layer in net.layers:
            if isinstance(layer, (Dense, Conv)):
                w, b = next(it_w), next(it_b)
                if w.shape != layer.w.shape:
                    raise DseInputError("weights", str(p), f"shapes of arch {arch} ({layer.w.shape} != {w.shape})")
                layer = replace(layer, w=w, b=b)
            layers.append(layer)
    return replace(net, layers=tuple(layers))
