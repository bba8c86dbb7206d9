"""Built-in functional kernels, each pinned against a direct computation (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from dse import kernels
from dse.errors import DseInputError
from dse.kernels import builtin
from dse.kernels.polyfit import dapa_coefficients, straight_through_coefficients

BUILTIN = ("relu", "x2", "poly2", "poly", "dapa", "gate-softmax", "gate-ste")


def _x(seed=0, shape=(3, 4, 5, 5)):
    return np.random.default_rng(seed).normal(0.2, 1.3, shape)


def test_builtins_are_registered_through_entry_points():
    """pyproject's `# -- core (dse/kernels) --` block exposes every built-in by name."""
    for name in BUILTIN:
        spec = kernels.get(name)
        assert spec.name == name and spec.numpy is not None and spec.torch is not None and spec.module is not None
        assert spec.source, f"{name}: no source"


def test_relu_square_poly_numpy_match_direct_formulas():
    x = _x()
    np.testing.assert_array_equal(kernels.get("relu").numpy(x), np.where(x > 0, x, 0.0))
    np.testing.assert_array_equal(kernels.get("x2").numpy(x), x ** 2)
    a, b, c = np.array([0.1, 0.2, 0.3, 0.4]).reshape(4, 1, 1), 0.9, -0.05
    np.testing.assert_allclose(kernels.get("poly2").numpy(x, a=a, b=b, c=c, scale_x2=0.5),
                               0.5 * a * x ** 2 + b * x + c, rtol=1e-15)
    coeffs = [0.3, -1.0, 0.25, 0.01]
    np.testing.assert_allclose(kernels.get("poly").numpy(x, coeffs=coeffs),
                               np.polynomial.polynomial.polyval(x, coeffs), rtol=1e-13)


def _autorep_deg1(u, v):
    """AutoReP approx/approx.py approx_1rd(u, v) (v = std), rewritten as a reference."""
    w1 = 1 - special.erfc(np.sqrt(2) * u / (2 * v)) / 2
    w0 = np.sqrt(2) * v * np.exp(-u ** 2 / (2 * v ** 2)) / (2 * np.sqrt(np.pi))
    return np.array([w0, w1])


def _autorep_deg2(u, v):
    """AutoReP approx/approx.py approx_2rd(u, v), rewritten as a reference."""
    e = np.exp(-u ** 2 / (2 * v ** 2))
    w2 = np.sqrt(2) * e / (4 * np.sqrt(np.pi) * v)
    w1 = -np.sqrt(2) * u * e / (2 * np.sqrt(np.pi) * v) - special.erfc(np.sqrt(2) * u / (2 * v)) / 2 + 1
    w0 = np.sqrt(2) * u ** 2 * e / (4 * np.sqrt(np.pi) * v) + np.sqrt(2) * v * e / (4 * np.sqrt(np.pi))
    return np.array([w0, w1, w2])


@pytest.mark.parametrize("u,v", [(0.0, 1.0), (0.7, 0.5), (-1.2, 2.0), (3.0, 1.5)])
def test_dapa_matches_autorep_closed_forms(u, v):
    """DaPa coefficients equal AutoReP's closed forms for degrees 1 and 2 (harveyp123/AutoReP)."""
    np.testing.assert_allclose(dapa_coefficients(u, v, 1), _autorep_deg1(u, v), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dapa_coefficients(u, v, 2), _autorep_deg2(u, v), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("degree", [3, 4])
def test_dapa_solves_the_least_squares_problem_by_quadrature(degree):
    """Normal equations rebuilt with numerical integration give the same coefficients."""
    u, v = 0.4, 1.7
    pdf = lambda x: np.exp(-(x - u) ** 2 / (2 * v * v)) / (v * np.sqrt(2 * np.pi))  # noqa: E731
    lim = (u - 12 * v, u + 12 * v)
    G = np.array([[integrate.quad(lambda x: x ** (i + j) * pdf(x), *lim)[0] for j in range(degree + 1)]  # noqa: B023
                  for i in range(degree + 1)])
    h = np.array([integrate.quad(lambda x: x ** i * x * pdf(x), 0, lim[1])[0] for i in range(degree + 1)])  # noqa: B023
    np.testing.assert_allclose(dapa_coefficients(u, v, degree), np.linalg.solve(G, h), rtol=1e-6, atol=1e-9)


def test_dapa_is_per_channel_and_beats_perturbed_coefficients():
    means, stds = np.array([-0.5, 0.0, 1.0]), np.array([1.0, 0.3, 2.0])
    w = dapa_coefficients(means, stds, 2)
    assert w.shape == (3, 3)
    rng = np.random.default_rng(1)
    for c in range(3):
        x = rng.normal(means[c], stds[c], 200_000)
        mse = lambda coef: np.mean((np.maximum(x, 0) - np.polynomial.polynomial.polyval(x, coef)) ** 2)  # noqa: E731, B023
        best = mse(w[:, c])
        for _ in range(5):
            assert mse(w[:, c] + rng.normal(0, 0.02, 3)) > best
    x = _x(2)
    np.testing.assert_allclose(kernels.get("dapa").numpy(x, mean=0.3, std=1.1, degree=2),
                               np.polynomial.polynomial.polyval(x, dapa_coefficients(0.3, 1.1, 2)), rtol=1e-12)
    with pytest.raises(DseInputError, match="std"):
        dapa_coefficients(0.0, 0.0)
    with pytest.raises(DseInputError, match="degree"):
        dapa_coefficients(0.0, 1.0, 9)


def test_straight_through_init_is_pasnet_polyact():
    """PASNet PolyAct init: poly_weight = [0.005, 1] (x^2, x), bias 0 (models/gate_tmp.py)."""
    np.testing.assert_array_equal(straight_through_coefficients(2), [0.0, 1.0, 0.005])


def test_softmax_gate_and_hysteresis_numpy():
    x = _x(3)
    relu, p2 = np.maximum(x, 0), 0.005 * x * x + x
    np.testing.assert_allclose(builtin.gate_softmax(x, alpha=[0.0, 0.0]), 0.5 * relu + 0.5 * p2)
    a = [0.3, -0.4]
    p = np.exp(a) / np.exp(a).sum()
    np.testing.assert_allclose(builtin.gate_softmax(x, alpha=a), p[0] * relu + p[1] * p2)
    np.testing.assert_allclose(builtin.gate_softmax(x, alpha=a, hard=True), relu)
    # AutoReP update_mask: new = old * (aux > -t) + (1 - old) * (aux > t)
    aux = np.array([0.5, -0.0005, -0.5, 0.0005, 0.5, -0.5])
    old = np.array([1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(builtin.hysteresis(aux, old, 1e-3), [1, 1, 0, 0, 1, 0])
    m = builtin.hysteresis(aux, old, 1e-3)
    xs = x.ravel()[:6]
    np.testing.assert_allclose(builtin.gate_ste(xs, aux=aux, mask=old), m * np.maximum(xs, 0) + (1 - m) * (0.005 * xs * xs + xs))


torch = pytest.importorskip("torch", reason="torch not installed: torch kernel paths not checked")


@pytest.mark.parametrize("name,params", [
    ("relu", {}), ("x2", {}), ("poly2", {"a": 0.02, "b": 0.8, "c": 0.1, "scale_x2": 0.5}),
    ("poly", {"coeffs": [0.1, 0.9, 0.03, -0.001]}), ("dapa", {"mean": 0.2, "std": 0.9, "degree": 3}),
    ("gate-softmax", {"alpha": [0.2, -0.1], "coeffs": [0.0, 1.0, 0.01]}),
])
def test_torch_matches_numpy(name, params):
    spec, x = kernels.get(name), _x(4)
    tp = {k: (torch.tensor(v, dtype=torch.float64) if k == "alpha" else v) for k, v in params.items()}
    got = spec.torch(torch.tensor(x), **tp)
    np.testing.assert_allclose(got.numpy(), spec.numpy(x, **params), rtol=1e-12, atol=1e-14)


def test_torch_gate_ste_forward_and_softplus_gradient():
    """Forward as numpy; d/d aux = softplus(aux) * dL/dm (AutoReP STEFunction_relay)."""
    x = torch.tensor(_x(5, (7,)))
    aux = torch.tensor([0.5, -0.0005, -0.5, 0.0005, 0.5, -0.5, 0.2], dtype=torch.float64, requires_grad=True)
    old = torch.tensor([1.0, 1, 1, 0, 0, 0, 1], dtype=torch.float64)
    y = builtin.torch_gate_ste(x, aux=aux, mask=old)
    np.testing.assert_allclose(y.detach().numpy(), builtin.gate_ste(x.numpy(), aux=aux.detach().numpy(), mask=old.numpy()))
    y.sum().backward()
    dm = (torch.relu(x) - (0.005 * x * x + x)).double()
    np.testing.assert_allclose(aux.grad.numpy(), (torch.nn.functional.softplus(aux.detach()) * dm).numpy(), rtol=1e-12)


def test_poly_module_init_and_scale():
    m = kernels.get("poly2").module(channels=3, scale_x2=0.1)
    np.testing.assert_allclose(m.coefficients().detach().numpy(), np.repeat([[0.0], [1.0], [0.005]], 3, axis=1), rtol=1e-6)
    x = torch.randn(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(m(x).detach().numpy(), (0.005 * x * x + x).numpy(), rtol=1e-5, atol=1e-7)
    d = kernels.get("dapa").module(mean=[0.0, 1.0], std=[1.0, 0.5], channels=2)
    np.testing.assert_allclose(d.coefficients().detach().numpy(), dapa_coefficients([0.0, 1.0], [1.0, 0.5]), rtol=1e-6)


def test_numpy_paths_and_training_imports_work_without_torch():
    """torch is optional: kernels' numpy paths and dse.training import with torch blocked."""
    import subprocess
    import sys

    code = ("import sys, importlib.abc\n"
            "class Block(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name.split('.')[0] == 'torch': raise ImportError('torch blocked')\n"
            "sys.meta_path.insert(0, Block())\n"
            "import numpy as np\n"
            "from dse import kernels\n"
            "from dse.training import LatencyPenalty, bind_gates, SiteCosts\n"
            "assert kernels.get('gate-softmax').numpy(np.ones(3), alpha=[0.0, 0.0]).shape == (3,)\n"
            "c = SiteCosts(('a',), (('relu', 'poly'),), np.array([[2.0, 1.0]]), 0.5, np.array([4]), ('activation',), np.array([0]))\n"
            "print(float(LatencyPenalty(c, normalize=False)(np.array([0.25]))))\n")
    code += ("try:\n    bind_gates(object())\nexcept Exception as exc:\n"
             "    assert 'torch' in str(exc), exc\nelse:\n    raise SystemExit('bind_gates ran without torch')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(0.5 + 0.25 * 2 + 0.75 * 1)
