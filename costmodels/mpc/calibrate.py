"""Run a workload under CrypTen (the peer) and record its own per-layer communication counters.

CrypTen 0.4.1 is optional (``bash .ci/setup_crypten.sh``): it imports on torch 2.13 only after
aliasing ``torch.onnx._internal.registration`` [CrypTen21; crypten 0.4.1 on torch 2.13]. Each layer of a
:class:`workloads.Workload` is executed with CrypTen's functional API on ``run_multiprocess``
(one process per party, gloo over loopback) with ``cfg.communicator.verbose = True``; the
counters are reset before and read after every layer, at every rank.

Lowering (what the cost model assumes too): ``conv2d``/``linear`` with secret-shared weights
(``weights="shared"``: ``crypten.cryptensor`` weights, CrypTen's encrypted models) or public
torch weights; batch norm folded into the preceding conv (identity here); ``poly`` of degree 2 is
``c2 * x.square() + c1 * x + c0`` with public per-channel coefficients; max/avg pooling through
``max_pool2d``/``avg_pool2d``; ``add``/``reshape`` are local.
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = [
    "SUPPORTED_KINDS",
    "crypten_unavailable_reason",
    "import_crypten",
    "measure_compute",
    "measure_workload",
]

SUPPORTED_KINDS = ("conv2d", "linear", "activation", "pool2d", "norm", "add", "reshape")


def import_crypten() -> Any:
    """Import crypten with the torch 2.13 alias shim (raises ImportError when absent)."""
    if "torch.onnx._internal.registration" not in sys.modules:
        try:
            import torch.onnx._internal.torchscript_exporter.registration as reg  # torch >= 2.9

            sys.modules["torch.onnx._internal.registration"] = reg
        except ImportError:  # older torch still has the original module
            pass
    import crypten

    return crypten


def crypten_unavailable_reason() -> str:
    """Empty when crypten imports here, else why not (for pytest skips)."""
    try:
        import_crypten()
    except Exception as exc:  # noqa: BLE001 - ImportError or a broken torch/crypten pairing
        return f"crypten not importable ({type(exc).__name__}: {exc}); run bash .ci/setup_crypten.sh"
    return ""


def _plain_params(workload, seed: int):
    """Deterministic plaintext weights and inputs for every layer (torch tensors)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    params = {}
    for layer in workload.layers:
        if layer.kind == "conv2d":
            c = layer.in_shape[0] // layer.groups
            params[layer.name] = (torch.randn(layer.out_channels, c, *layer.kernel, generator=g) * 0.1,
                                  torch.randn(layer.out_channels, generator=g) * 0.1 if layer.bias else None)
        elif layer.kind == "linear":
            params[layer.name] = (torch.randn(layer.out_features, layer.in_shape[-1], generator=g) * 0.1,
                                  torch.randn(layer.out_features, generator=g) * 0.1 if layer.bias else None)
        elif layer.kind == "activation" and layer.fn == "poly":
            c = layer.in_shape[0]
            shape = (c, 1, 1) if len(layer.in_shape) == 3 else (c,)
            params[layer.name] = tuple(torch.randn(*shape, generator=g) * 0.1 for _ in range(3))
    x = torch.randn(1, *workload.input_shape, generator=g)
    return params, x


def _run_layer(crypten, layer, args, params, shared: bool):
    """One layer on cryptensors ``args`` (batch dimension 1)."""
    kind = layer.kind
    x = args[0]
    if kind == "conv2d":
        w, b = params[layer.name]
        w = crypten.cryptensor(w) if shared else w
        y = x.conv2d(w, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                     groups=layer.groups)
        if b is not None:
            y = y + (crypten.cryptensor(b) if shared else b).view(1, -1, 1, 1)
        return y
    if kind == "linear":
        w, b = params[layer.name]
        w = crypten.cryptensor(w.t().contiguous()) if shared else w.t().contiguous()
        y = x.matmul(w)
        if b is not None:
            y = y + (crypten.cryptensor(b) if shared else b)
        return y
    if kind == "activation":
        if layer.fn == "relu":
            return x.relu()
        if layer.fn == "poly" and layer.degree == 2:
            c0, c1, c2 = params[layer.name]
            return x.square() * c2 + x * c1 + c0
        raise NotImplementedError(f"activation {layer.fn} not lowered for the CrypTen run")
    if kind == "pool2d":
        if layer.mode == "max":
            return x.max_pool2d(layer.kernel, padding=layer.padding, stride=layer.stride)
        return x.avg_pool2d(layer.kernel, padding=layer.padding, stride=layer.stride)
    if kind == "norm":
        return x  # folded into the preceding conv (inference-time batch norm)
    if kind == "add":
        return x + args[1]
    if kind == "reshape":
        return x.reshape(1, *layer.out_shape)
    raise NotImplementedError(f"layer kind {kind} not lowered for the CrypTen run")


def _party(workload, shared: bool, seed: int, repeat: int, threads: int = 0):
    """Body run in every party process: per-layer counters at this rank (``threads`` > 0 sets
    torch's intra-op threads in this process)."""
    import torch

    if threads > 0:
        torch.set_num_threads(threads)

    crypten = import_crypten()
    import crypten.communicator as comm

    crypten.cfg.communicator.verbose = True
    torch.manual_seed(seed)
    params, x_plain = _plain_params(workload, seed)
    c = comm.get()
    values = {"input": crypten.cryptensor(x_plain, src=0)}
    rows = []
    for layer in workload.layers:
        args = [values[name] for name in layer.inputs]
        best, cpu = None, float("inf")
        for _ in range(repeat):
            c.reset_communication_stats()
            t0, c0 = time.perf_counter(), time.process_time()
            out = _run_layer(crypten, layer, args, params, shared)
            wall = time.perf_counter() - t0
            cpu = min(cpu, time.process_time() - c0)
            stats = c.get_communication_stats()
            best = (wall, stats) if best is None or wall < best[0] else best
        values[layer.name] = out
        wall, stats = best
        rows.append({"layer": layer.name, "kind": layer.kind, "calls": int(stats["rounds"]),
                     "bytes": float(stats["bytes"]), "comm_time_s": float(stats["time"]),
                     "wall_s": wall, "cpu_s": cpu})
    return rows


def measure_workload(workload, *, parties: int = 2, weights: str = "shared", seed: int = 0,
                     repeat: int = 1, threads: int = 0):
    """Per-layer CrypTen counters for ``workload``: a DataFrame with ``layer``, ``kind``,
    ``calls`` (rank 0), ``rank0_bytes``, ``wire_bytes`` (sum over ranks / 2), the fastest of
    ``repeat`` runs' ``wall_s`` / ``comm_time_s`` at rank 0, and the least process CPU time
    ``cpu_s`` of rank 0 over the runs (all its threads)."""
    import pandas as pd

    from dse.errors import DseInputError

    if weights not in ("shared", "public"):
        raise DseInputError("weights", weights, "shared or public")
    if parties < 2:
        raise DseInputError("parties", parties, "an integer >= 2")
    bad = [l.name for l in workload.layers if l.kind not in SUPPORTED_KINDS]
    if bad:
        raise DseInputError("workload", bad[0], "layers of kind " + ", ".join(SUPPORTED_KINDS))
    crypten = import_crypten()
    from crypten.mpc import run_multiprocess

    runner = run_multiprocess(world_size=parties)(_party)
    per_rank = runner(workload, weights == "shared", seed, repeat, int(threads))
    if per_rank is None or any(r is None for r in per_rank):
        raise RuntimeError("a CrypTen party process failed (see its stderr)")
    frame = pd.DataFrame(per_rank[0]).rename(columns={"bytes": "rank0_bytes"})
    frame["wire_bytes"] = sum(pd.DataFrame(r)["bytes"].to_numpy() for r in per_rank) / 2
    frame["calls_all_equal"] = [len({r[i]["calls"] for r in per_rank}) == 1 for i in range(len(frame))]
    frame["crypten_version"] = getattr(crypten, "__version__", "?")
    return frame


def measure_compute(*, seed: int = 0, repeat: int = 3, clock: str = "cpu") -> dict[str, float]:
    """Local compute constants of 2-party CrypTen on this machine (loopback, 2 processes).

    ``compute_s_per_mac``: local time of a shared-weight conv divided by its MACs
    (``compute_s_per_mac_public`` for public weights);
    ``compute_s_per_word``: local time of a ReLU divided by its logged words.
    Local time is rank 0's process CPU time (``clock="cpu"``: time spent descheduled on a shared
    machine, and blocking waits for the peer, are not counted) or ``wall - comm time``
    (``clock="wall"``, the first measurement's definition). Each party runs torch on one thread
    (two parties share the two cores; extra threads would spin and inflate CPU time).
    """
    from dse.errors import DseInputError

    if clock not in ("cpu", "wall"):
        raise DseInputError("clock", clock, "cpu or wall")
    from workloads import WorkloadBuilder

    b = WorkloadBuilder("calib", (32, 32, 32))
    y = b.conv2d(b.input, 64, 3, padding=1, name="conv")
    b.relu(y, name="relu")
    wl = b.build()
    frame = measure_workload(wl, parties=2, weights="shared", seed=seed, repeat=repeat, threads=1)
    conv, relu = frame.iloc[0], frame.iloc[1]
    pub = measure_workload(wl, parties=2, weights="public", seed=seed, repeat=repeat, threads=1).iloc[0]

    def local(row) -> float:
        return float(row.cpu_s) if clock == "cpu" else max(float(row.wall_s - row.comm_time_s), 0.0)

    return {"compute_s_per_mac": local(conv) / wl.layers[0].macs,
            "compute_s_per_mac_public": local(pub) / wl.layers[0].macs,
            "compute_s_per_word": local(relu) / (relu.rank0_bytes / 8)}


#: transformer pieces measured by :func:`measure_transformer_pieces` (CrypTen functional API)
PIECES = ("softmax", "sigmoid", "gelu", "layernorm")


def _pieces_party(rows: int, width: int, seed: int) -> dict[str, tuple[int, float]]:
    import torch

    crypten = import_crypten()
    import crypten.communicator as comm

    crypten.cfg.communicator.verbose = True
    torch.manual_seed(seed)
    x = crypten.cryptensor(torch.randn(rows, width), src=0)
    c = comm.get()

    def layernorm():
        d = x - x.mean(-1, keepdim=True)
        return d * (d.square().mean(-1, keepdim=True) + 1e-5).inv_sqrt()

    funcs = {"softmax": lambda: x.softmax(-1), "sigmoid": lambda: x.sigmoid(),
             "gelu": lambda: x * (x * 1.702).sigmoid(), "layernorm": layernorm}
    out = {}
    for name in PIECES:
        c.reset_communication_stats()
        funcs[name]()
        s = c.get_communication_stats()
        out[name] = (int(s["rounds"]), float(s["bytes"]))
    return out


def measure_transformer_pieces(rows: int = 16, width: int = 32, seed: int = 0) -> dict[str, dict[str, float]]:
    """CrypTen's counters (2 parties) for softmax over rows of ``width``, sigmoid, GELU as
    ``x * sigmoid(1.702 x)`` and LayerNorm (mean, square, ``inv_sqrt``, product) on a
    ``rows x width`` tensor: ``{piece: {"calls", "wire_bytes"}}`` (wire = sum over ranks / 2)."""
    import_crypten()
    from crypten.mpc import run_multiprocess

    per_rank = run_multiprocess(world_size=2)(_pieces_party)(rows, width, seed)
    if per_rank is None or any(r is None for r in per_rank):
        raise RuntimeError("a CrypTen party process failed (see its stderr)")
    return {p: {"calls": per_rank[0][p][0], "wire_bytes": sum(r[p][1] for r in per_rank) / 2} for p in PIECES}
