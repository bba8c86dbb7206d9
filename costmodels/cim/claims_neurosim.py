"""Per-network validation of the ``cim`` cost model against DNN+NeuroSim V1.4 on VGG-8 / CIFAR-10.

Reference [NeuroSimV14]: the developers' release-test output ``Data/1.4_Release_test.csv`` of the
initial V1.4 commit (9e6742c, 2023-07-21; the file was removed a week later). Its columns are the
ones ``main.cpp`` writes in its (commented-out) CSV block: technode, operationmode, memcelltype,
accesstype, chip area and its parts (um^2), clock period, read latency (ns), dynamic and leakage
energy (pJ), ..., energy efficiency (TOPS/W, divided by the post-layout factor zeta = 1.22), TOPS,
FPS, TOPS/mm^2, operations, then named fields. The first row (numRowParallel 128) is used:

=========================== ====================================================================
22 nm, RRAM, 1T1R           columns 1-4 (technode 22, operationmode 2 = conventional parallel,
                            memcelltype 2 = RRAM, accesstype 1 = CMOS access)
chip area                   8.47747e7 um^2 = 84.77 mm^2 (CIM arrays 3.605 mm^2)
pipeline cycle per image    194,225 ns -> 5,148.66 FPS (pipelined, ``speedUpDegree`` 8)
dynamic / leakage energy    4.20048e7 pJ / 1.77e5 pJ; ADC + array read 2.1612e7 pJ;
                            accumulation 3.574e6 pJ
energy efficiency           23.9369 TOPS/W = 1.23184e9 op / (42.18 uJ) / 1.22
operations                  1.23184e9 = 2 x the MACs of ``NetWork_VGG8.csv`` (our ``vgg8-cifar``)
=========================== ====================================================================

Configuration mapped onto ``cim`` (every value from the same commit, fixed before comparing):
``rows`` = ``cols`` = 128 (``numRowSubArray``/``numColSubArray``; the row's SubArraySize 128, all
128 rows read in parallel), ``cell_bits`` 1 (``cellBit``, the row's CellBit 1), ``weight_bits`` and
``input_bits`` 4 (the wrapper's ``--wl_weight``/``--wl_activate`` defaults, confirmed by the
committed ``layer_record_VGG8/trace_command.sh`` "main NetWork_VGG8.csv 4 4 128 64", by the 4 bit
columns per input vector of ``inputConv0_.csv`` and the 1/8 steps of the recorded weights),
``dac_bits`` 1 (bit-serial inputs), ``adc_bits`` 4 (``levelOutput`` 16), ``cols_per_adc`` 8
(``numColMuxed``), ``adc_rate`` 1 GHz (``clkFreq``), ``signed`` offset (NeuroSim subtracts a
dummy reference column), ``cell_type`` 1T1R, ``feature_m`` 40 nm (the 22 nm node's
``wireWidth``/``featuresize``), ``r_on_ohm`` 6 kohm (``resistanceOn`` = 6e3, on/off 17: the row's
onoff 0.0588), ``input_activity`` 0.18 (``inputtoggle``, "VGG8-CIFAR10: 0.18").
NeuroSim's ADC is a 4-bit current-mode multilevel sense amplifier (``SARADC = false``,
``currentMode = true``), which ``cim`` does not have; ``adc_model = neurosim-sar`` (the NeuroSim
V1.3 column SAR, the only NeuroSim ADC model in ``cim``) stands in for it, chosen before the
comparison. Nothing in ``cim`` was fitted to these figures: kind ``validation``, tolerance 25 %
(end-to-end class), set before the comparison.
"""

from __future__ import annotations

from functools import lru_cache

from dse.claims import Claim

__all__ = ["CLAIMS", "NEUROSIM_KNOBS", "NEUROSIM_PARAMS", "neurosim_vgg8_point"]

NEUROSIM_KNOBS = {"rows": 128, "cols": 128, "cell_bits": 1, "weight_bits": 4, "input_bits": 4, "dac_bits": 1,
                  "adc_bits": 4, "cols_per_adc": 8, "adc_rate": 1e9, "sigma": 0.0}
NEUROSIM_PARAMS = {"adc_model": "neurosim-sar", "signed": "offset", "cell_type": "1T1R", "feature_m": 40e-9,
                   "r_on_ohm": 6e3, "input_activity": 0.18}
_SOURCE = ("[NeuroSimV14] Data/1.4_Release_test.csv row 1 (22 nm RRAM 1T1R, VGG-8 CIFAR-10, 4-bit weights and "
           "inputs, 1-bit cells, 128 x 128, 4-bit MLSA, pipelined)")


@lru_cache(maxsize=1)
def neurosim_vgg8_point() -> dict[str, float]:
    """Totals of ``cim`` in the release test's configuration on ``vgg8-cifar``, plus ``tops_per_w``
    (2 operations per MAC / ``energy_j``), ``fps`` (1 / ``pipeline_interval_s``), ``area_mm2`` and
    ``read_energy_j`` (ADC + cell read energy: NeuroSim's "ADC" bucket includes the array's read
    energy, its current-mode sense amplifier carrying the column current)."""
    import workloads

    from .model import CrossbarModel

    w = workloads.load("vgg8-cifar")
    m = CrossbarModel(**NEUROSIM_PARAMS).evaluate(w, {k: [v] for k, v in NEUROSIM_KNOBS.items()}).numpy()
    t = {k: float(v[0]) for k, v in m.totals.items()}
    t["tops_per_w"] = 2.0 * w.macs / t["energy_j"] / 1e12
    t["fps"] = 1.0 / t["pipeline_interval_s"]
    t["area_mm2"] = t["area_m2"] * 1e6
    t["read_energy_j"] = t["energy_adc_j"] + t["energy_cell_j"]
    return t


_ENERGY_GAP = ("the cell term V_read^2 G_mean t_read x activity over the full 10 ns pulse at 6 kohm is 395 uJ per image "
               "(78 % of ours); NeuroSim counts no DC cell current for a parallel RRAM read (SubArray.cpp: the bit-line "
               "term is 'already considered in multilevelsenseamp'), only the current-mode sense amplifier's and the "
               "word/bit lines' switching energy; ours has no leakage and no post-layout factor (x1.22), and its buffers "
               "and interconnect are ISAAC's eDRAM, registers, bus and router (11.3 uJ), not NeuroSim's")

CLAIMS: list[Claim] = [
    Claim("cim.neurosim.vgg8.energy_efficiency", "cim", "VGG-8 CIFAR-10 energy efficiency, TOPS/W, NeuroSim V1.4 "
          "release-test configuration (22 nm RRAM)", 23.9369, "1", _SOURCE + ": 23.9369 TOPS/W", "validation",
          lambda: neurosim_vgg8_point()["tops_per_w"], rel_tol=0.25, gap=_ENERGY_GAP),
    Claim("cim.neurosim.vgg8.read_energy", "cim", "VGG-8 CIFAR-10 ADC + array read energy per image, J "
          "(NeuroSim's ADC bucket)", 2.1612e-5, "J", _SOURCE + ": ADC (S/As) read dynamic energy 2.1612e7 pJ",
          "validation", lambda: neurosim_vgg8_point()["read_energy_j"], rel_tol=0.25, gap=_ENERGY_GAP),
    Claim("cim.neurosim.vgg8.chip_area", "cim", "VGG-8 CIFAR-10 chip area, m^2, NeuroSim V1.4 release-test "
          "configuration", 84.7747e-6, "m2", _SOURCE + ": ChipArea 8.47747e7 um^2", "validation",
          lambda: neurosim_vgg8_point()["area_m2"], rel_tol=0.25,
          gap="ours is crossbars x (cells + DACs + ADCs + shift-add) with ISAAC's 32 nm periphery; NeuroSim's 84.8 mm^2 "
              "is 3.6 mm^2 of arrays plus 52.7 mm^2 of other periphery (decoders, switch matrices, muxes, buffers, "
              "pooling/activation), 15.1 mm^2 of accumulation, 8.3 mm^2 of interconnect and 5.1 mm^2 of sense "
              "amplifiers, with layers replicated for the pipeline (speedUpDegree 8); ours has one copy of the "
              "weights and no buffers, interconnect or decoders"),
    Claim("cim.neurosim.vgg8.throughput", "cim", "VGG-8 CIFAR-10 pipelined throughput, images per s", 5148.66, "1",
          _SOURCE + ": 5148.66 FPS (pipeline cycle 194,225 ns)", "validation",
          lambda: neurosim_vgg8_point()["fps"], rel_tol=0.25,
          gap="ours pipelines layers without replicating them (slowest layer: conv0/conv1, 1,024 vectors x 4 input "
              "steps x 8 muxed columns x (10 ns read + 1 ns conversion)); NeuroSim replicates the early layers "
              "(speedUpDegree 8) and runs a 2.23 ns sensing-limited clock"),
]
