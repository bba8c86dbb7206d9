"""Issue 18, "Done when": no fitted factor in the tables the structural protocols read.

Every constant table of the MPC family (``data/protocols.csv`` with the measured compute profile
merged in, ``gpu_constants.csv``, ``gpu_profiles.csv``, ``fpga_engine.csv``,
``pasnet_engine.csv``) is wrapped in a recording mapping while the protocols whose costs are
derived from their structure price a CNN and a transformer block: the 2PC HE/OT protocols
(CrypTFlow2, Cheetah, Iron, BOLT, BumbleBee, with the SiRNN / transformer_nl blocks), CryptGPU's
3-party protocols and rep3 (CPU and GPU profiles), and PASNet's FPGA 2PC engine. A row whose
source says CALIBRATED (or "fitted") must not be among the rows read, except a row declared as a
``calibration`` claim (the one compute time the IKNP OT work unit is fitted to).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

import workloads
from costmodels.mpc import fpga, gpu, pasnet_fpga, presets
from costmodels.mpc.claims_structural import CLAIMS
from costmodels.mpc.compiled import _layer_costs
from costmodels.mpc.pi_nets import pasnet
from dse.datafiles import load_csv

STRUCTURAL_2PC = ("cryptflow2", "cheetah", "iron", "bolt", "bumblebee")
STRUCTURAL_3PC = ("cryptgpu", "rep3")
#: calibrated rows declared as calibration claims: (table, row) -> claim id
DECLARED = {("protocols.csv", ("cryptflow2", "relu_compute_s")): "mpc-sci-relu-time"}
_FITTED = re.compile(r"CALIBRATED|\bfitted\b", re.IGNORECASE)


class _Recording(dict):
    """A dict that records which keys are read (``[]``, ``get``, ``in``)."""

    def __init__(self, data, table: str, prefix: tuple, seen: set):
        super().__init__(data)
        self._table, self._prefix, self._seen = table, prefix, seen

    def _mark(self, key) -> None:
        self._seen.add((self._table, (*self._prefix, key)))

    def __getitem__(self, key):
        self._mark(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._mark(key)
        return super().get(key, default)


def calibrated_rows() -> set[tuple[str, tuple]]:
    """``(table, row key)`` of every row whose source names a calibration or a fit."""
    out: set[tuple[str, tuple]] = set()
    for r in load_csv(presets.DATA / "protocols.csv"):
        if _FITTED.search(r["source"]):
            out.add(("protocols.csv", (r["protocol"], r["key"])))
    for r in load_csv(presets.DATA / "compute_profile.csv"):  # merged into the protocols' tables
        if _FITTED.search(r["source"]):
            out |= {("protocols.csv", (p, r["key"])) for p in presets.PROFILE_USERS.get(r["key"], ())}
    for name in ("gpu_constants.csv", "fpga_engine.csv", "pasnet_engine.csv"):
        for r in load_csv(presets.DATA / name):
            if _FITTED.search(r["source"]):
                out.add((name, (r["key"],)))
    for r in load_csv(presets.DATA / "gpu_profiles.csv"):
        if _FITTED.search(r["source"]):
            out.add(("gpu_profiles.csv", (r["device"],)))
    return out


def _install(monkeypatch, seen: set) -> None:
    """Route every table loader of the family through :class:`_Recording`."""
    const = {p: _Recording(t, "protocols.csv", (p,), seen) for p, t in presets.constants().items()}
    tables = {
        "gpu_constants": (_Recording(gpu.gpu_constants(), "gpu_constants.csv", (), seen), (gpu,)),
        "engine_constants": (_Recording(fpga.engine_constants(), "fpga_engine.csv", (), seen), (fpga, pasnet_fpga)),
        "engine_constants_pasnet": (_Recording(pasnet_fpga.engine_constants_pasnet(), "pasnet_engine.csv", (), seen),
                                    (pasnet_fpga,)),
        "_rows": (_Recording(gpu._rows(), "gpu_profiles.csv", (), seen), (gpu,)),
    }
    monkeypatch.setattr(presets, "constants", lambda: const)
    for attr, (table, modules) in tables.items():
        for mod in modules:
            monkeypatch.setattr(mod, attr, lambda table=table: table)


def _transformer():
    return workloads.load("bert-base:layers=1")


def _runs() -> Iterator[str]:
    """Price every structural protocol (yields what it priced)."""
    from costmodels.mpc.presets import network

    cnn, tr = workloads.load("resnet20-cifar"), _transformer()
    for proto in STRUCTURAL_2PC:
        for wl in (cnn, tr):
            _layer_costs(wl, proto, 2, "public", 2, 0)
            yield f"{proto}:{wl.name}"
    for proto in STRUCTURAL_3PC:
        for device in ("cpu", "v100"):
            for wl in (cnn, tr):
                _layer_costs(wl, proto, 3, "shared", 2, 0, "folded", device)
                yield f"{proto}:{device}:{wl.name}"
    for wl in (pasnet("A"), cnn):  # polynomial activations; ReLUs on the garbling engines
        pasnet_fpga.Fpga2pc().run(wl, network("lan"))
        yield f"pasnet-fpga:{wl.name}"


def _reads(monkeypatch) -> set:
    seen: set = set()
    _install(monkeypatch, seen)
    done = list(_runs())
    assert len(done) == 2 * len(STRUCTURAL_2PC) + 4 * len(STRUCTURAL_3PC) + 2
    return seen


def test_declared_calibrations_are_calibration_claims():
    """Each exempted row is a registered claim of kind ``calibration`` that names its fit."""
    by_id = {c.id: c for c in CLAIMS}
    for _row, cid in DECLARED.items():
        assert by_id[cid].kind == "calibration" and by_id[cid].fitted


def test_no_calibrated_row_read_by_structural_protocols(monkeypatch):
    """Structural protocols read no CALIBRATED/fitted row beyond the declared calibration."""
    seen = _reads(monkeypatch)
    bad = (seen & calibrated_rows()) - set(DECLARED)
    assert not bad, sorted(bad)


def test_the_spy_sees_every_table(monkeypatch):
    """The check can fail: each table is read by some structural protocol, so a row of it marked
    CALIBRATED would be caught (e.g. BumbleBee's OLE prime, CryptGPU's block products, PASNet's
    DSP width, the half-gates AND size)."""
    seen = _reads(monkeypatch)
    tables = {t for t, _ in seen}
    assert tables >= {"protocols.csv", "gpu_constants.csv", "gpu_profiles.csv", "fpga_engine.csv",
                      "pasnet_engine.csv"}
    for row in [("protocols.csv", ("bumblebee", "ole_prime_bits")), ("protocols.csv", ("bolt", "gelu_bits")),
                ("protocols.csv", ("iron", "scale_bits")), ("gpu_constants.csv", ("block_products",)),
                ("pasnet_engine.csv", ("dsp_a_bits",)), ("fpga_engine.csv", ("bytes_per_and",))]:
        assert row in seen, row


@pytest.mark.parametrize("row", [("protocols.csv", ("bumblebee", "ole_prime_bits")),
                                 ("gpu_constants.csv", ("products_shared",)),
                                 ("pasnet_engine.csv", ("products_poly2",))])
def test_a_marked_row_would_fail(monkeypatch, row):
    """Marking a read row calibrated makes the check report it."""
    seen = _reads(monkeypatch)
    bad = (seen & (calibrated_rows() | {row})) - set(DECLARED)
    assert bad == {row}
