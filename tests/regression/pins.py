"""Regression pins: the model's own earlier outputs, recomputed and compared to the recorded value.

A pin is NOT a validation: it only says "this number has not moved since it was recorded". The
published figures these numbers are compared with live in the claim registry (``dse validate``).
When a pin moves on purpose, regenerate it and say why::

    python -m tests.regression.pins --why "what changed the number"

which rewrites ``pins.json`` (value, date, and the reason as ``changed``).
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path
from typing import Callable

PINS_FILE = Path(__file__).with_name("pins.json")


def _training_ceiling() -> float:
    """CrypTFlow2's exhaustive best-assignment speed-up of the digits CNN (WAN), the training study's
    ceiling (studies/latency_aware_training.py bounds_table)."""
    from dse.claims import load_study

    b = load_study("latency_aware_training").bounds_table("shared", "wan").set_index(["workload", "protocol"])
    return float(b.loc[("digits-cnn", "cryptflow2"), "max_speedup"])


def _cryptflow2_resnet50(bn: str) -> float:
    """CrypTFlow2 ResNet-50 online bytes (GB) with batch norm ``bn``."""
    import workloads
    from costmodels.mpc import layer_costs

    lc = layer_costs(workloads.load("resnet50-imagenet"), "cryptflow2", 2, "public", batchnorm=bn)
    return float(lc.fixed[0].sum() + lc.relu[0].sum()) / 1e9


COMPUTE: dict[str, Callable[[], float]] = {
    "training_cryptflow2_ceiling": _training_ceiling,
    "cryptflow2_resnet50_gb_folded": lambda: _cryptflow2_resnet50("folded"),
    "cryptflow2_resnet50_gb_separate": lambda: _cryptflow2_resnet50("separate"),
}


def load() -> dict:
    return json.loads(PINS_FILE.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="re-record regression pins (model outputs, not validations)")
    ap.add_argument("--why", required=True, help="what changed the number (stored with the pin)")
    ap.add_argument("names", nargs="*", help="pins to re-record (default: all)")
    args = ap.parse_args(argv)
    pins = load() if PINS_FILE.exists() else {}
    today = datetime.date.today().isoformat()
    for name in args.names or COMPUTE:
        value = COMPUTE[name]()
        old = pins.get(name, {})
        pins[name] = {"value": value, "recorded": today, "what": (COMPUTE[name].__doc__ or old.get("what", name)).strip(),
                      "changed": f"{today}: {args.why} (was {old.get('value')})"}
        print(f"{name}: {old.get('value')} -> {value}")
    PINS_FILE.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
