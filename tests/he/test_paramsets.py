"""Bootstrappable presets: each is feasible at its published security; chains add up as published."""

from __future__ import annotations

import pytest

from costmodels.he import CkksModel
from costmodels.he.paramsets import paramset, paramset_names
from dse.errors import DseInputError
from workloads import load

#: log2(QP) each preset's publisher states (Lattigo's set names; Cheddar bootparam_40: 1373.5 + 371.9)
PUBLISHED_LOG_QP = {"lattigo-n16-h192": 1546, "lattigo-n16-h192-p45": 1547, "lattigo-n15-h192": 768,
                    "lattigo-n16-dense": 1767, "cheddar-n16": 1745.4,
                    # OpenFHE states no log QP: derived from its v1.5.1 parameter generation (see paramsets.toml)
                    "openfhe-n17-h192": 2312, "openfhe-n17-h192-b33": 2134, "openfhe-n17-h192-enc": 2312}


@pytest.mark.parametrize("name", sorted(PUBLISHED_LOG_QP))
def test_preset_is_feasible_at_its_published_security(name):
    """The model reports the preset secure at the security its publisher states, and log QP as published."""
    ps = paramset(name)
    p = ps.ckks_params()
    assert p.problems() == [] and p.security_bits >= ps.security
    assert abs(ps.log_qp - PUBLISHED_LOG_QP[name]) < 0.5


@pytest.mark.parametrize("name", sorted(PUBLISHED_LOG_QP))
def test_preset_levels_after_bootstrapping_match_the_publisher(name):
    """L minus the bootstrapping structure's depth equals the published levels left after bootstrapping."""
    ps = paramset(name)
    assert ps.levels - ps.boot_depth == ps.user_levels


def test_lattigo_default_set_shape():
    """N16QP1546H192H32: 25 Q primes (L=24), 5 P primes -> dnum 5, depth 15 = CtS 4 + EvalMod 8 + StC 3."""
    ps = paramset("lattigo-n16-h192")
    assert (ps.levels, ps.k_special, ps.dnum, ps.boot.evalmod_depth, ps.boot_depth) == (24, 5, 5, 8, 15)


def test_presets_listed_and_unknown_rejected():
    """Every preset is loadable by name; an unknown name lists the presets."""
    assert set(PUBLISHED_LOG_QP) == set(paramset_names())
    with pytest.raises(DseInputError, match="lattigo-n16-h192"):
        paramset("seal-n16")


def test_bootstrapped_resnet20_with_sparse_preset():
    """ResNet-20 under lattigo-n16-h192 is feasible at 128 bits, bootstraps, and uses the preset's chain."""
    m = CkksModel(preset="lattigo-n16-h192", profile="openfhe-cpu").evaluate(load("resnet20-cifar"), {"N": [32768]})
    m = m.numpy()
    assert m.feasible[0]
    t = {k: float(v[0]) for k, v in m.totals.items()}
    assert t["security_bits"] == 128 and t["log_qp_bits"] == 1546 and t["ring_degree"] == 65536
    assert t["chain_levels"] == 24 and t["bootstraps"] >= 1 and t["levels_used"] > 24


@pytest.mark.parametrize("name", ["openfhe-n17-h192", "openfhe-n17-h192-b33"])
def test_openfhe_sparse_preset_bound_and_ring(name):
    """OpenFHE's SPARSE_TERNARY (h=192) sets land at N=2^17 (their log QP exceeds the 1747-bit N=2^16 ternary
    bound OpenFHE sizes by); the model certifies them through the h=128 row at N=2^17 (2950 bits, the lower
    weight: conservative) and would reject the same chain at N=2^16 (h=192 bound 1553 bits)."""
    from costmodels.he.security import bound
    ps = paramset(name)
    assert ps.n == 131072 and ps.log_qp > 1747
    assert bound(131072, 128, "sparse", 192) == 2950 and ps.log_qp <= 2950
    assert ps.log_qp > bound(65536, 128, "sparse", 192)


def test_bootstrapped_resnet20_with_openfhe_preset():
    """ResNet-20 under OpenFHE's sparse bootstrapping preset: feasible at 128 bits and bootstraps."""
    m = CkksModel(preset="openfhe-n17-h192", profile="openfhe-cpu").evaluate(load("resnet20-cifar"), {"N": [32768]})
    m = m.numpy()
    assert m.feasible[0]
    t = {k: float(v[0]) for k, v in m.totals.items()}
    assert t["security_bits"] == 128 and t["ring_degree"] == 131072 and t["bootstraps"] >= 1


#: the dense-to-sparse (encapsulation) key of each preset that has one: (h, log2 QP), as its source states
ENCAPSULATION = {"lattigo-n16-h192": (32, 121), "lattigo-n16-h192-p45": (32, 121), "lattigo-n15-h192": (32, 84),
                 "lattigo-n16-dense": (32, 121), "cheddar-n16": (32, 112.0), "openfhe-n17-h192-enc": (32, 120)}


@pytest.mark.parametrize("name", sorted(PUBLISHED_LOG_QP))
def test_encapsulation_key_as_published_and_certified(name):
    """Every preset's dense-to-sparse key has the (h, log2 QP) its source states, and a sparse row at
    the preset's N and security certifies it (the check is independent of bound(): rows scanned here)."""
    from costmodels.he.security import secret_rows

    ps = paramset(name)
    h, lqp = ENCAPSULATION.get(name, (0, 0.0))
    assert (ps.encapsulation_hamming, round(ps.encapsulation_log_qp, 1)) == (h, lqp)
    if h:
        rows = [r.max_log_qp for r in secret_rows() if r.secret == "sparse" and r.n == ps.n and r.hamming <= h
                and r.lam >= ps.security and not r.quantum]
        assert rows and ps.encapsulation_log_qp <= max(rows)


def _v5_key_level(name: str):
    """The preset with its dense-to-sparse key at the full chain, as Lattigo v5.0.0-v6.1.0 generated it."""
    from dataclasses import replace

    ps = paramset(name)
    return replace(ps, encapsulation_log_qp=ps.log_qp)


@pytest.mark.parametrize("name", ["lattigo-n16-h192", "lattigo-n15-h192", "cheddar-n16"])
def test_encapsulation_key_at_full_chain_is_insecure(name, monkeypatch):
    """Lattigo's advisory (SECURITY.md, fixed in v6.1.1): a dense-to-sparse key generated at the full chain
    under the h=32 secret is below 128 bits. The model rejects such a preset, naming that key, per point
    and in ParamSet.problems(); the main key alone stays certified."""
    import costmodels.he.model as model_mod

    bad = _v5_key_level(name)
    assert bad.ckks_params().problems() == []
    assert len(bad.problems()) == 1 and "encapsulation key (h=32" in bad.problems()[0]
    monkeypatch.setattr(model_mod, "paramset", lambda _name: bad)
    m = CkksModel(preset=name, profile="openfhe-cpu").evaluate(load("lenet5"), {"N": [32768]}).numpy()
    assert not m.feasible[0] and "encapsulation key (h=32" in m.reason_of(0)


@pytest.mark.parametrize("name", sorted(ENCAPSULATION))
@pytest.mark.parametrize("security", [128, 192, 256])
def test_preset_feasible_only_when_both_keys_are_certified(name, security):
    """Property over presets x security levels: feasible exactly when a row certifies the main key and
    the encapsulation key at that N and security (rows scanned here, not through the model's lookup)."""
    from costmodels.he.security import secret_rows

    ps = paramset(name)

    def certified(h: int, lqp: float) -> bool:
        rows = [r.max_log_qp for r in secret_rows() if r.secret == "sparse" and r.n == ps.n and r.hamming <= h
                and r.lam >= security and not r.quantum]
        return bool(rows) and lqp <= max(rows)

    m = CkksModel(preset=name, profile="openfhe-cpu").evaluate(load("lenet5"), {"N": [32768], "security": [security]})
    ok = certified(ps.hamming, ps.log_qp) and certified(ps.encapsulation_hamming, ps.encapsulation_log_qp)
    assert bool(m.numpy().feasible[0]) == ok


@pytest.mark.parametrize("name", ["cheddar-n16", "lattigo-n15-h192"])
def test_whatif_shows_the_values_a_preset_sets(name):
    """whatif's design shows the N, chain, bit sizes, dnum and secret the preset evaluates with, not the
    knob defaults it overrides; the totals report the same N and chain."""
    from dse.cli.whatif import whatif_result

    ps = paramset(name)
    out = whatif_result("he", "lenet5", [("preset", name), ("profile", "openfhe-cpu"), ("N", "16384")])
    d = out["design"]
    assert (d["N"], d["levels"], d["dnum"], d["secret"], d["hamming"]) == (ps.n, ps.levels, ps.dnum, ps.secret,
                                                                            ps.hamming)
    assert abs(d["first_bits"] - ps.first_bits) < 0.01 and abs(d["special_bits"] - ps.special_bits) < 0.01
    assert out["metrics"]["ring_degree"] == d["N"] and out["metrics"]["chain_levels"] == d["levels"]


def test_encapsulation_adds_one_top_level_key_switch_to_a_bootstrap():
    """A preset with sparse-secret encapsulation bootstraps with exactly one more key switch (relinearize)
    at the top level than the same structure without it, and costs exactly that switch more."""
    from dataclasses import replace

    import numpy as np

    from costmodels.he import bootstrap_latency, bootstrap_ops, get_profile, op_latency

    ps = paramset("lattigo-n16-h192")
    assert ps.boot.encapsulation and not paramset("openfhe-n17-h192").boot.encapsulation
    plain = replace(ps.boot, encapsulation=False)
    with_enc, without = bootstrap_ops(32768, ps.boot), bootstrap_ops(32768, plain)
    assert sorted(with_enc) == sorted(without + (("relinearize", 1.0, 0),))
    prof = replace(get_profile("openfhe-cpu"), boot_scale=1.0)
    n, top, dnum = np.asarray(65536.0), np.asarray(25.0), 5.0
    extra = bootstrap_latency(replace(prof, boot=ps.boot), n, top, dnum=dnum) - \
        bootstrap_latency(replace(prof, boot=plain), n, top, dnum=dnum)
    assert abs(float(extra) - float(op_latency(prof, "relinearize", n, top, dnum=dnum))) < 1e-12
