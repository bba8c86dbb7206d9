"""``dse kpp``: Monte Carlo k-th percentile accuracy of a digits network under device variation.

Examples::

    dse kpp --sigma 0.1 --draws 1000 --json                    # train (no noise), evaluate
    dse kpp --train rc-gaussian --train-sigma 0.156 --censor 1 --center --sigma 0.2
    dse kpp --train gaussian --save net.npz ; dse kpp --weights net.npz --noise pcm --t-inference 3600
    dse kpp --noise stuck-at --rate-sa0 0.01 --rate-sa1 0.01

Registered through the ``dse.commands`` entry point ``kpp = "costmodels.cim.cli:register"``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``kpp`` sub-command to the ``dse`` parser."""
    from .experiment import ARCHS, NOISES, TRAININGS
    from .presets import DEVICES

    p = subparsers.add_parser(
        "kpp", help="Monte Carlo k-th percentile accuracy (KPP) under crossbar device variation",
        description="Train (or load) a small network on scikit-learn's digits, draw device instances "
                    "and report the k-th percentile accuracy with its confidence interval.")
    p.add_argument("--arch", choices=ARCHS, default="mlp", help="network (default mlp 64-64-10)")
    p.add_argument("--train", choices=TRAININGS, default="none", help="noise injected in training")
    p.add_argument("--train-sigma", type=float, default=None,
                   help="weight-referred training noise std (default: sigma x weight_sigma_factor)")
    p.add_argument("--censor", type=float, default=1.0, help="right-censoring threshold in std units")
    p.add_argument("--center", action="store_true", help="re-centre the censored noise to zero mean")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--weights", help="load trained weights (.npz from --save) instead of training")
    p.add_argument("--save", help="store the trained weights (.npz)")
    p.add_argument("--noise", choices=NOISES, default="gaussian", help="device-variation model")
    p.add_argument("--sigma", type=float, default=0.1, help="device variation std (device-range units)")
    p.add_argument("--device", choices=tuple(DEVICES), default="RRAM1", help="state-dependent device type")
    p.add_argument("--weight-bits", type=int, default=8)
    p.add_argument("--cell-bits", type=int, default=2)
    p.add_argument("--rate-sa0", type=float, default=0.0, help="stuck-at-0 rate per cell")
    p.add_argument("--rate-sa1", type=float, default=0.0, help="stuck-at-1 rate per cell")
    p.add_argument("--t-inference", type=float, default=None, help="PCM: seconds after programming")
    p.add_argument("--draws", type=int, default=1000, help="Monte Carlo device instances")
    p.add_argument("--k", type=float, default=1.0, help="percentile (1 = 1st percentile)")
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Handler of ``dse kpp``; returns the exit status."""
    from .experiment import load_net, make_net, make_sampler, save_net, train_variant
    from .model import weight_sigma_factor
    from .montecarlo import kpp, mc_accuracy
    from .network import accuracy
    from .train import load_digits
    from .variation import check_bits, check_sigma

    sigma = check_sigma(args.sigma)
    check_bits(args.weight_bits, args.cell_bits)
    sampler = make_sampler(args.noise, sigma=sigma, weight_bits=args.weight_bits, cell_bits=args.cell_bits,
                           device_type=args.device, rate_sa0=args.rate_sa0, rate_sa1=args.rate_sa1,
                           t_inference=args.t_inference)
    loaded = load_net(args.weights, args.arch) if args.weights else None  # a bad file fails before any work
    data = load_digits(args.seed, image=args.arch != "mlp")
    if loaded is not None:
        net = loaded
    else:
        ts = args.train_sigma if args.train_sigma is not None else sigma * weight_sigma_factor(args.weight_bits, args.cell_bits)
        net = train_variant(make_net(args.arch, args.seed), data["x_train"], data["y_train"], args.train,
                            train_sigma=ts, censor=args.censor, center=args.center, epochs=args.epochs, seed=args.seed)
    if args.save:
        save_net(net, args.save)
    acc = mc_accuracy(net, data["x_test"], data["y_test"], sampler, args.draws, seed=args.seed + 1)
    r = kpp(acc, args.k, args.confidence)
    out = {"arch": args.arch, "train": args.train if not args.weights else f"loaded:{args.weights}",
           "noise": args.noise, "sigma": sigma, "device": args.device, "weight_bits": args.weight_bits,
           "cell_bits": args.cell_bits, "draws": r.n, "k": r.k, "confidence": r.confidence,
           "kpp": r.value, "kpp_ci": [_finite(r.lo), _finite(r.hi)], "mean": r.mean, "mean_ci": [r.mean_lo, r.mean_hi],
           "std": r.std, "clean_accuracy": float(accuracy(net, data["x_test"], data["y_test"])),
           "test_samples": len(data["y_test"]), "seed": args.seed}
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        sys.stdout.write(
            f"{args.arch} trained with {out['train']}, {args.noise} variation sigma={sigma:g}, {r.n} draws\n"
            f"clean accuracy   {out['clean_accuracy']:.4f}\n"
            f"mean accuracy    {r.mean:.4f}  [{r.mean_lo:.4f}, {r.mean_hi:.4f}]\n"
            f"KPP (k={r.k:g})      {r.value:.4f}  [{r.lo:.4f}, {r.hi:.4f}] at {r.confidence:.0%}\n")
    return 0


def _finite(v: float) -> float | None:
    """JSON has no infinity: an unbounded interval end is ``null``."""
    return v if math.isfinite(v) else None
