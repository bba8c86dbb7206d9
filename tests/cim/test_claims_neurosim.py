"""The NeuroSim V1.4 VGG-8 validation configuration, checked by hand (claims_neurosim.py)."""

from __future__ import annotations

import pytest

import workloads
from costmodels.cim.claims_neurosim import CLAIMS, NEUROSIM_KNOBS, NEUROSIM_PARAMS, neurosim_vgg8_point
from costmodels.cim.model import CrossbarModel
from costmodels.cim.presets import constant

# NetWork_VGG8.csv of DNN+NeuroSim V1.4: IFM height, width, channels, kernel, kernel, OFM channels
_NEUROSIM_VGG8 = ((32, 32, 3, 3, 3, 128), (32, 32, 128, 3, 3, 128), (16, 16, 128, 3, 3, 256),
                  (16, 16, 256, 3, 3, 256), (8, 8, 256, 3, 3, 512), (8, 8, 512, 3, 3, 512),
                  (1, 1, 8192, 1, 1, 1024), (1, 1, 1024, 1, 1, 10))


def test_vgg8_workload_is_neurosims_network():
    """2 x MACs of ``vgg8-cifar`` is main.cpp's numComputation over NetWork_VGG8.csv (1.23184e9 in the
    release-test row)."""
    ops = sum(2 * h * w * c * kh * kw * o for h, w, c, kh, kw, o in _NEUROSIM_VGG8)
    assert 2 * workloads.load("vgg8-cifar").macs == ops == 1_231_835_136


def test_neurosim_configuration_hand_count():
    """Offset encoding, 4 one-bit cells per weight: ceil(4N / 127) column tiles x ceil(K / 128) row tiles
    per layer; the pipeline interval is conv1's 1,024 vectors x (4 steps x 8 muxed columns x 11 ns +
    ceil(log2 9) x 1 ns of adder tree)."""
    tiles = [-(-k // 128) * -(-(4 * n) // 127) for k, n in
             ((27, 128), (1152, 128), (1152, 256), (2304, 256), (2304, 512), (4608, 512), (8192, 1024), (1024, 10))]
    p = neurosim_vgg8_point()
    assert p["crossbars"] == sum(tiles) == 3331
    assert p["pipeline_interval_s"] == pytest.approx(1024 * (4 * 8 * (10e-9 + 1e-9) + 4 * 1e-9))
    assert p["fps"] == pytest.approx(1 / p["pipeline_interval_s"])
    assert p["read_energy_j"] == pytest.approx(p["energy_adc_j"] + p["energy_cell_j"])


def test_r_on_default_and_scaling():
    """``r_on_ohm`` defaults to the constant (outputs unchanged); the cell read energy scales as 1 / R_on."""
    w = workloads.load("vgg8-cifar")
    design = {k: [v] for k, v in NEUROSIM_KNOBS.items()}

    def cell_energy(**params):
        return float(CrossbarModel(**params).evaluate(w, design).numpy().totals["energy_cell_j"][0])

    assert cell_energy() == cell_energy(r_on_ohm=constant("r_on"))
    assert cell_energy(r_on_ohm=6e3) == pytest.approx(cell_energy(r_on_ohm=12e3) * 2)


def test_claims_compute_and_configuration():
    """Every claim computes a finite value; the configuration is the release test's."""
    assert NEUROSIM_PARAMS["r_on_ohm"] == 6e3 and NEUROSIM_KNOBS["adc_bits"] == 4
    for c in CLAIMS:
        assert c.kind == "validation" and c.rel_tol == 0.25
        assert c.compute() > 0
