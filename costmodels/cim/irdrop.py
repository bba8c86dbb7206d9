"""IR drop of one crossbar array: the exact resistive network against the first-order model.

:mod:`.crossbar_sim` scales every cell by the first-order factor ``1 - r (H_bl + H_wl)``
(:func:`~.crossbar_sim.ir_drop_factor`). This module solves the same circuit exactly, so the
approximation can be measured instead of assumed:

* geometry (as in :mod:`.crossbar_sim`): ``R`` word lines, each driven by an ideal source
  ``v_i`` at its column-0 end through one wire segment, then one segment of ``r`` ohm per cell
  pitch; ``C`` bit lines, each ending in a sense amplifier at a virtual ground (0 V) at its row-0
  end, again through one segment and one per pitch; cell ``(i, j)`` is a conductance ``g_ij``
  between word-line node ``(i, j)`` and bit-line node ``(i, j)``. The output is the current into
  each sense amplifier;
* :func:`exact_currents` — nodal analysis (Kirchhoff's current law at the ``2 R C`` nodes), a
  sparse symmetric positive-definite system solved with SciPy;
* :func:`spice_currents` — the same netlist run by ngspice (``ngspice -b``, operating point), the
  independent circuit simulator the claims use as a live peer;
* :func:`first_order_currents` — what ``CrossbarSim`` computes: ``sum_i v_i g_ij f_ij`` with the
  first-order factor. Summed over a column it is exact to first order in ``r`` for *any* input
  vector (the bit-line kernel ``min(i, i') + 1`` is symmetric), so its error is second order:
  the neglected coupling of drops into the currents that cause them.

Units: conductances in S, voltages in V, resistances in ohm, currents in A.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from dse.errors import DseInputError

from .crossbar_sim import CrossbarSim, ir_drop_factor

__all__ = ["exact_currents", "first_order_currents", "ngspice_available", "spice_currents", "spice_netlist"]


def _check(g: np.ndarray, v: np.ndarray, r_wire: float) -> tuple[np.ndarray, np.ndarray]:
    g = np.asarray(g, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if g.ndim != 2 or v.shape != (g.shape[0],):
        raise DseInputError("g, v", f"{g.shape}, {v.shape}", "g of shape (R, C) and v of shape (R,)")
    if not (np.all(np.isfinite(g)) and np.all(g >= 0)):
        raise DseInputError("g", "negative or non-finite", "conductances >= 0 S")
    if not (np.isfinite(r_wire) and r_wire > 0):
        raise DseInputError("r_wire", r_wire, "a wire resistance per cell pitch > 0 ohm")
    return g, v


def exact_currents(g: np.ndarray, v: np.ndarray, r_wire: float, ideal_word_lines: bool = False) -> np.ndarray:
    """Sense-amplifier currents (A, shape ``(C,)``) of the exact resistive network.

    ``ideal_word_lines=True`` drops the word-line resistance (every cell sees its driver's ``v_i``
    directly), leaving only the bit-line ladders: the circuit of aihwkit's ``IRDropT`` tile."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    g, v = _check(g, v, r_wire)
    if ideal_word_lines:
        return _bit_line_currents(g, v, r_wire)
    rows, cols = g.shape
    n = rows * cols
    gw = 1.0 / r_wire

    def wl(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return i * cols + j

    def bl(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return n + i * cols + j

    ii, jj = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    ent_r: list[np.ndarray] = []
    ent_c: list[np.ndarray] = []
    ent_v: list[np.ndarray] = []
    diag = np.zeros(2 * n)

    def link(a: np.ndarray, b: np.ndarray, cond: np.ndarray) -> None:
        ent_r.extend([a, b])
        ent_c.extend([b, a])
        ent_v.extend([-cond, -cond])
        np.add.at(diag, a, cond)
        np.add.at(diag, b, cond)

    link(wl(ii, jj), bl(ii, jj), g.ravel())  # cells
    h = jj > 0  # word-line segments between neighbouring cells
    link(wl(ii[h], jj[h] - 1), wl(ii[h], jj[h]), np.full(int(h.sum()), gw))
    b = ii > 0  # bit-line segments between neighbouring cells
    link(bl(ii[b] - 1, jj[b]), bl(ii[b], jj[b]), np.full(int(b.sum()), gw))
    src = np.zeros(2 * n)
    first_wl = wl(np.arange(rows), np.zeros(rows, dtype=int))
    diag[first_wl] += gw  # segment to the driver
    src[first_wl] += gw * v
    first_bl = bl(np.zeros(cols, dtype=int), np.arange(cols))
    diag[first_bl] += gw  # segment to the virtual ground
    idx = np.arange(2 * n)
    mat = coo_matrix((np.concatenate([*ent_v, diag]), (np.concatenate([*ent_r, idx]), np.concatenate([*ent_c, idx]))),
                     shape=(2 * n, 2 * n)).tocsc()
    u = spsolve(mat, src)
    return np.asarray(u[first_bl] * gw)


def _bit_line_currents(g: np.ndarray, v: np.ndarray, r_wire: float) -> np.ndarray:
    """Exact currents of ``C`` independent bit-line ladders (ideal word lines): node ``i`` of column
    ``j`` takes ``g_ij (v_i - u_ij)`` and is joined to its neighbours by ``r_wire``; node 0 reaches
    the virtual ground through one more segment. A tridiagonal system per column."""
    from scipy.linalg import solve_banded

    rows, cols = g.shape
    gw = 1.0 / r_wire
    out = np.empty(cols)
    for j in range(cols):
        diag = g[:, j] + 2.0 * gw
        diag[-1] -= gw  # the far end has one neighbour only
        band = np.zeros((3, rows))
        band[0, 1:] = -gw
        band[1] = diag
        band[2, :-1] = -gw
        u = solve_banded((1, 1), band, g[:, j] * v)
        out[j] = u[0] * gw
    return out


def first_order_currents(g: np.ndarray, v: np.ndarray, r_wire: float) -> np.ndarray:
    """Sense currents (A) as :mod:`.crossbar_sim` computes them: ``sum_i v_i g_ij f_ij``."""
    g, v = _check(g, v, r_wire)
    g_ref = float(g.max()) if g.max() > 0 else 1.0
    sim = CrossbarSim(rows=g.shape[0], cols=g.shape[1], r_wire_ohm=float(r_wire), g_on_s=g_ref)
    f = ir_drop_factor(g / g_ref, sim)
    return np.asarray(v @ (g * f))


def spice_netlist(g: np.ndarray, v: np.ndarray, r_wire: float) -> str:
    """The crossbar as a SPICE netlist: one 0 V source ``VS<j>`` per sense amplifier."""
    g, v = _check(g, v, r_wire)
    rows, cols = g.shape
    out = ["* crossbar IR drop (dse costmodels.cim.irdrop)"]
    for i in range(rows):
        out.append(f"VIN{i} d{i} 0 DC {v[i]:.12g}")
        out.append(f"RD{i} d{i} w{i}_0 {r_wire:.12g}")
        for j in range(1, cols):
            out.append(f"RW{i}_{j} w{i}_{j - 1} w{i}_{j} {r_wire:.12g}")
    for j in range(cols):
        out.append(f"VS{j} s{j} 0 DC 0")
        out.append(f"RS{j} b0_{j} s{j} {r_wire:.12g}")
        for i in range(1, rows):
            out.append(f"RB{i}_{j} b{i - 1}_{j} b{i}_{j} {r_wire:.12g}")
    for i in range(rows):
        for j in range(cols):
            if g[i, j] > 0:
                out.append(f"RC{i}_{j} w{i}_{j} b{i}_{j} {1.0 / g[i, j]:.12g}")
    out += [".control", "op"]
    out += [f"print i(VS{j})" for j in range(cols)]
    out += [".endc", ".end"]
    return "\n".join(out) + "\n"


def ngspice_available() -> tuple[bool, str]:
    """(True, "") when an ``ngspice`` executable is on the PATH, else (False, why)."""
    if shutil.which("ngspice") is None:
        return False, "ngspice not on PATH (bash .ci/setup_ngspice.sh)"
    return True, ""


_CURRENT = re.compile(r"^\s*i\(vs(\d+)\)\s*=\s*(\S+)", re.IGNORECASE)


def spice_currents(g: np.ndarray, v: np.ndarray, r_wire: float, timeout_s: float = 300.0) -> np.ndarray:
    """Sense currents (A) of the netlist solved by ngspice (operating point, ``ngspice -b``).

    A 0 V source's current flows from its + node through it, so the sense current into the
    virtual ground is ``i(VS<j>)`` itself.
    """
    ok, why = ngspice_available()
    if not ok:
        raise RuntimeError(why)
    g, v = _check(g, v, r_wire)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "xbar.cir"
        path.write_text(spice_netlist(g, v, r_wire))
        run = subprocess.run(["ngspice", "-b", str(path)], capture_output=True, text=True, timeout=timeout_s,
                             check=False, cwd=tmp)
    found: dict[int, float] = {}
    for line in run.stdout.splitlines():
        m = _CURRENT.match(line)
        if m:
            found[int(m.group(1))] = float(m.group(2))
    cols = g.shape[1]
    if len(found) != cols:  # ngspice -b exits 1 after a .control run ("no simulations run")
        raise RuntimeError(f"ngspice failed (rc {run.returncode}): {(run.stderr or run.stdout)[-400:]}")
    return np.array([found[j] for j in range(cols)])
