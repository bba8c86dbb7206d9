"""Speed of the accelerated MPC pieces: the GPU profile (``device``) and PASNet's FPGA engine.

Prints numbers only (no assertions): ``python benchmarks/mpc_accelerators.py``. Reports the cold
cost-tensor build of CryptGPU's ResNet-50 with ``device=v100`` (every protocol x parties x
weights), a warm 10,000-point batched evaluation on it, and the FPGA engine on PASNet-A/B.
"""

from __future__ import annotations

from _timing import best_wall_s

from costmodels.mpc import MpcModel
from costmodels.mpc.claims_gpu import CRYPTGPU_NET
from costmodels.mpc.pasnet_fpga import Fpga2pc
from costmodels.mpc.pi_nets import cryptgpu_resnet, pasnet
from costmodels.mpc.presets import network


def main() -> None:
    model = MpcModel(device="v100", batchnorm="separate", **CRYPTGPU_NET)
    wl = cryptgpu_resnet(50)
    point = {"protocol": "cryptgpu", "parties": 3, "weights": "shared", "network": "custom"}
    cold = best_wall_s(lambda: model.evaluate(wl, point), 1)
    print(f"compile cryptgpu-resnet50 cost tensor (device=v100): {cold:.2f} s")
    d = model.space.sample(10_000, 0)
    t = best_wall_s(lambda: model.evaluate(wl, d))
    print(f"evaluate cryptgpu-resnet50, N=10,000: {t * 1e3:.1f} ms ({1e4 / t:,.0f} points/s)")
    for v in ("A", "B"):
        net = pasnet(v)
        t = best_wall_s(lambda net=net: Fpga2pc().run(net, network("lan")))
        print(f"FPGA 2PC engine, PASNet-{v} ({len(net.layers)} layers): {t * 1e3:.1f} ms per run")


if __name__ == "__main__":
    main()
