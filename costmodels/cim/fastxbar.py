"""Fast numpy path of the functional crossbar's ADC partial sums (numba optional), equal bit for bit
to the reference loop of :func:`.crossbar_sim._partial_sums`.

The reference computes, per chunk of input rows and per input step ``t``, one product
``digits_t @ g`` and one ADC pass (divide by the LSB, round half to even, clip, times ``2^(t dac_bits)``,
add). This module computes the same partial sums with fewer, larger calls:

* **stacked steps**: the ``T`` digit planes of a row chunk are stacked along the rows, so one BLAS
  call per (draw, chunk) gives all ``T`` products; a compiled kernel (numba) then converts and
  shift-adds them in one pass (the numpy fallback does the reference's in-place passes per step);
* **pattern table** (short arrays, e.g. a 3x3 conv on one channel: 9 rows, 1-bit DAC): a row of an
  array sees one of ``P = (2^dac_bits)^rows`` input patterns per step; when ``P`` is small against
  the rows x steps, the products and the ADC codes of all ``P`` patterns are computed once (one
  BLAS call on the ``P`` x ``rows`` pattern matrix) and each (row, step) gathers its codes.
* **sparse top steps** (1-bit DAC): an input bit plane with at most ``SPARSE_MAX_DENSITY`` of its
  bits set (the top bit of post-ReLU activations) is added row by row, only the rows whose bit is
  set, in row order; used only where :func:`_blas_row_order` finds that this machine's BLAS sums
  that shape in row order too (else BLAS for every step).

Exactness: the ADC codes are integers and their shift-adds are exact in float32 (below 2^24), so
the result equals the reference whenever each partial sum equals the reference's. Each partial sum
is a BLAS dot product over the same ``rows`` entries as in the reference; OpenBLAS computes an
element of ``A @ B`` from its row of ``A`` and column of ``B`` alone (same order whatever the
matrix sizes for ``rows`` below its K-block), which ``tests/cim/test_fastxbar.py`` checks bit for
bit against the reference on the digits CNN and on random shapes, with and without numba.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.accel import KernelGate, jit

__all__ = ["available", "pair_factor", "partial_sums", "use_table"]


#: pattern table only when it has at most this many patterns (P x rows x columns products) ...
TABLE_MAX_PATTERNS = 1 << 12
#: ... and at most 1/TABLE_MIN_REUSE of the (row, step) pairs it serves
TABLE_MIN_REUSE = 4
#: an input bit plane goes to the sparse kernel (rows whose bit is set, added in row order) instead
#: of BLAS when at most this fraction of its bits is set: the kernel's time grows with the set bits,
#: BLAS's does not; on the digits CNN's dense layer the break-even was near 0.3 (7.1 against 7.4 ms
#: at 0.31, 2.4x slower at 0.5), so only nearly empty planes (the top bit, 5 % set) qualify
SPARSE_MAX_DENSITY = 0.1
#: elements of one stacked product block (tiles x steps x rows x columns): 1 MB in float32
BLOCK_ELEMENTS = 1 << 18


_jit = jit


def _combine_py(acc: np.ndarray, lsb: Any, slice_w: np.ndarray, sets: int, out: np.ndarray, d0: int, m: int,
                fin: np.ndarray) -> None:
    """Row ``m`` of the output from its step-shift-added codes ``acc`` (tiles, J), ``J = S sets N``
    (slice-major, then weight set, then output): ``out[d0 + g, m, n] = sum_s slice_w[s] sum_i lsb
    acc[i, (s sets + g) N + n]``, every float operation in the reference's order (times the LSB,
    tiles added in order, times the slice weight, slices added in order). ``fin`` (2 sets N) is
    scratch; the inner loops run over ``sets N`` contiguous values so they vectorise."""
    tiles = acc.shape[0]
    n_s = slice_w.shape[0]
    n_n = out.shape[2]
    w = sets * n_n
    tmp = fin[w:]
    for s in range(n_s):
        a0 = acc[0, s * w:(s + 1) * w]
        for j in range(w):
            tmp[j] = a0[j] * lsb
        for i in range(1, tiles):
            ai = acc[i, s * w:(s + 1) * w]
            for j in range(w):
                tmp[j] = tmp[j] + ai[j] * lsb
        sw = slice_w[s]
        if s == 0:
            for j in range(w):
                fin[j] = tmp[j] * sw
        else:
            for j in range(w):
                fin[j] = fin[j] + tmp[j] * sw
    for g in range(sets):
        o = out[d0 + g, m]
        for n in range(n_n):
            o[n] = fin[g * n_n + n]


def _adc_rows_py(p: np.ndarray, lsb: Any, levels: Any, magic: Any, w_t: np.ndarray, slice_w: np.ndarray,
                 sets: int, out: np.ndarray, d0: int, m0: int, init: np.ndarray, use_init: bool) -> None:
    """Rows ``m0 ..`` of the output from the products ``p`` (tiles, T, Mc, J) of one row block:
    each partial sum converted (``clip(rint(p / lsb), -levels, levels)``), the codes shift-added over
    the steps with ``w_t`` (starting from ``init[:, m0 + m]`` (tiles, M, J) when ``use_init``: the
    shift-added codes of the sparse steps, see :func:`_sparse_steps_py`), then :func:`_combine_py`."""
    tiles, n_t, n_m, n_j = p.shape
    acc = np.empty((tiles, n_j), dtype=p.dtype)
    fin = np.empty(2 * (n_j // slice_w.shape[0]), dtype=p.dtype)
    for m in range(n_m):
        for i in range(tiles):
            if use_init:
                src = init[i, m0 + m]
                for j in range(n_j):
                    acc[i, j] = src[j]
            else:
                for j in range(n_j):
                    acc[i, j] = 0
            for t in range(n_t):
                w = w_t[t]
                for j in range(n_j):
                    q = (p[i, t, m, j] / lsb + magic) - magic  # rint (see _magic)
                    if q > levels:
                        q = levels
                    elif q < -levels:
                        q = -levels
                    acc[i, j] += q * w
        _combine(acc, lsb, slice_w, sets, out, d0, m0 + m, fin)


def _sparse_steps_py(q: np.ndarray, g: np.ndarray, t0: int, steps: int, lsb: Any, levels: Any, magic: Any,
                     w_t: np.ndarray, init: np.ndarray) -> None:
    """Shift-added ADC codes of the input steps ``t0 .. steps - 1`` (1-bit DAC) into ``init`` (tiles,
    M, J): each partial sum is the cells ``g`` (tiles, rows, J) of the rows whose bit ``t`` of ``q``
    (M, K) is set, added in row order (eight rows per pass over the sum, the same order), which is
    the order of a sequential BLAS dot product (:func:`_blas_row_order` checks it; BLAS's ``0 x
    g`` terms add exact zeros). Pays off for sparse bit planes (the top input bit)."""
    n_m, k = q.shape
    tiles, rows, n_j = g.shape
    ps = np.empty(n_j, dtype=g.dtype)
    it = np.empty(rows, dtype=np.int64)
    for m in range(n_m):
        qm = q[m]
        for i in range(tiles):
            a = init[i, m]
            for j in range(n_j):
                a[j] = 0
            top = min(rows, k - i * rows)
            for t in range(t0, steps):
                cn = 0
                for r in range(top):
                    it[cn] = r
                    cn += (qm[i * rows + r] >> t) & 1
                for j in range(n_j):
                    ps[j] = 0
                c = 0
                while c + 8 <= cn:
                    ga = g[i, it[c]]
                    gb = g[i, it[c + 1]]
                    gc = g[i, it[c + 2]]
                    gd = g[i, it[c + 3]]
                    ge = g[i, it[c + 4]]
                    gf = g[i, it[c + 5]]
                    gg = g[i, it[c + 6]]
                    gh = g[i, it[c + 7]]
                    for j in range(n_j):
                        ps[j] = (((((((ps[j] + ga[j]) + gb[j]) + gc[j]) + gd[j]) + ge[j]) + gf[j]) + gg[j]) + gh[j]
                    c += 8
                while c < cn:
                    gr = g[i, it[c]]
                    for j in range(n_j):
                        ps[j] += gr[j]
                    c += 1
                w = w_t[t]
                for j in range(n_j):
                    v = (ps[j] / lsb + magic) - magic
                    if v > levels:
                        v = levels
                    elif v < -levels:
                        v = -levels
                    a[j] += v * w


def _row_sums_py(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out = a @ b`` for a 0/1 matrix ``a`` (M, K), summed in row order over the set rows (the
    order of :func:`_sparse_steps_py`)."""
    n_m, k = a.shape
    n_j = b.shape[1]
    for m in range(n_m):
        o = out[m]
        for j in range(n_j):
            o[j] = 0
        for r in range(k):
            if a[m, r] != 0:
                br = b[r]
                for j in range(n_j):
                    o[j] += br[j]


def _gather_rows_py(codes: np.ndarray, idx: np.ndarray, lsb: Any, w_t: np.ndarray, slice_w: np.ndarray,
                    sets: int, out: np.ndarray, d0: int) -> None:
    """All rows of the output from the ADC codes of every input pattern ``codes`` (tiles, P, J) and
    each (tile, step, row)'s pattern ``idx`` (tiles, T, M): codes shift-added over the steps, then
    :func:`_combine_py`."""
    tiles, n_t, n_m = idx.shape
    n_j = codes.shape[2]
    acc = np.empty((tiles, n_j), dtype=codes.dtype)
    fin = np.empty(2 * (n_j // slice_w.shape[0]), dtype=codes.dtype)
    for m in range(n_m):
        for i in range(tiles):
            for j in range(n_j):
                acc[i, j] = 0
            for t in range(n_t):
                w = w_t[t]
                r = idx[i, t, m]
                for j in range(n_j):
                    acc[i, j] += codes[i, r, j] * w
        _combine(acc, lsb, slice_w, sets, out, d0, m, fin)


def _pair_factor_py(g: np.ndarray, levels: Any, slices: int, n: int, rows: int, cols: int, cr: float,
                    out: np.ndarray) -> None:
    """Compiled twin of :func:`.crossbar_sim._pair_factor` (first-order IR-drop factor of every signed
    cell): ``g`` (L, S N, K) signed cell digits, ``out`` (L, S N, K) float64. The cells are laid out
    output-major (physical column ``2 (n S + s) + side``), each ``rows`` x ``cols`` array's
    bit-line and word-line double sums taken in the order of ``numpy.cumsum`` (sequential, from the
    far end, then from the near end), so the factors are equal bit for bit. Every array is kept
    column-major (physical column, row), so the cells are written, the word-line sums taken (in
    place, vectorised over the rows) and the factors read contiguously; the bit-line scans run two
    columns at a time (independent chains, the same order per column)."""
    n_l, sn, k = g.shape
    tiles = -(-k // rows)
    kp = tiles * rows
    c = 2 * sn
    cp = -(-c // cols) * cols
    pt = np.zeros((cp, kp))  # physical cells, column-major: word-line sums in place
    hb = np.zeros((cp, kp))  # bit-line double sums, (column, row)
    for d in range(n_l):
        pt[c:, :] = 0.0  # padding columns: the in-place word-line sums below leave them non-zero
        for s in range(slices):
            for o in range(n):
                r = s * n + o
                col = 2 * (o * slices + s)
                gp = pt[col]
                gn = pt[col + 1]
                gr = g[d, r]
                for kk in range(k):
                    v = gr[kk]
                    a = abs(v) / levels
                    gp[kk] = a if v > 0 else 0.0
                    gn[kk] = a if v < 0 else 0.0
        for cc in range(0, c, 2):  # bit lines: suffix sums from the tile's far row, then prefix
            p0, p1 = pt[cc], pt[cc + 1]  # sums; the pair's two columns interleaved (two independent chains)
            h0, h1 = hb[cc], hb[cc + 1]
            for t in range(tiles):
                i0 = t * rows
                a0_ = p0[i0 + rows - 1]
                a1_ = p1[i0 + rows - 1]
                h0[i0 + rows - 1] = a0_
                h1[i0 + rows - 1] = a1_
                for i in range(rows - 2, -1, -1):
                    a0_ = a0_ + p0[i0 + i]
                    a1_ = a1_ + p1[i0 + i]
                    h0[i0 + i] = a0_
                    h1[i0 + i] = a1_
                a0_ = h0[i0]
                a1_ = h1[i0]
                for i in range(1, rows):
                    a0_ = a0_ + h0[i0 + i]
                    a1_ = a1_ + h1[i0 + i]
                    h0[i0 + i] = a0_
                    h1[i0 + i] = a1_
        for a0 in range(0, cp, cols):  # word lines, in place: suffix sums then prefix sums
            for cc in range(cols - 2, -1, -1):
                dst = pt[a0 + cc]
                src = pt[a0 + cc + 1]
                for i in range(kp):
                    dst[i] = src[i] + dst[i]
            for cc in range(1, cols):
                dst = pt[a0 + cc]
                src = pt[a0 + cc - 1]
                for i in range(kp):
                    dst[i] = src[i] + dst[i]
        for s in range(slices):
            for o in range(n):
                r = s * n + o
                col = 2 * (o * slices + s)
                gr = g[d, r]
                orow = out[d, r]
                for kk in range(k):
                    side = col if gr[kk] > 0 else col + 1
                    f = 1.0 - cr * (hb[side, kk] + pt[side, kk])
                    orow[kk] = f if f > 0.0 else 0.0


def _digits_py(q: np.ndarray, dac_bits: int, out: np.ndarray) -> None:
    """Compiled twin of :func:`_digit_block`: ``out[t, m, c] = (q[m, c] >> t dac_bits) & mask`` for
    the ``K`` columns of ``q`` (M, K); ``out`` (T, M, width >= K) must be zero beyond column K."""
    n_t = out.shape[0]
    n_m, k = q.shape
    mask = (1 << dac_bits) - 1
    for t in range(n_t):
        sh = t * dac_bits
        for m in range(n_m):
            qm = q[m]
            om = out[t, m]
            for c in range(k):
                om[c] = (qm[c] >> sh) & mask


def _pattern_index_py(q: np.ndarray, steps: int, dac_bits: int, tiles: int, rows: int, out: np.ndarray) -> None:
    """Each (tile, step, row)'s input pattern for the pattern table: ``out[i, t, m] = sum_r d_r 2^(r
    dac_bits)`` with ``d_r = (q[m, i rows + r] >> t dac_bits) & mask`` the digit on array row ``r``
    (rows beyond K: digit 0), the index of that pattern in the table's pattern matrix; integer
    arithmetic, so equal to the numpy route (float digits times the powers of the base, exact below
    2^24)."""
    n_m, k = q.shape
    mask = (1 << dac_bits) - 1
    for i in range(tiles):
        top = min(rows, k - i * rows)
        for t in range(steps):
            sh = t * dac_bits
            o = out[i, t]
            for m in range(n_m):
                qm = q[m]
                v = 0
                for r in range(top):
                    v += ((qm[i * rows + r] >> sh) & mask) << (r * dac_bits)
                o[m] = v


def _gather_rows_int_py(codes: np.ndarray, idx: np.ndarray, lsb: Any, w_t: np.ndarray, slice_w: np.ndarray,
                        sets: int, out: np.ndarray, d0: int) -> None:
    """:func:`_gather_rows_py` on integer codes and weights (int16 or int32): the step shift-add is
    integer arithmetic, exact in any order (every partial sum within ``levels sum(w_t)``), so it
    equals the float one whenever that one is exact (every sum below 2^24 in float32, which
    :func:`_int_codes` checks); twice the lanes per vector in int16, and four steps per pass over
    the accumulator."""
    tiles, n_t, n_m = idx.shape
    n_j = codes.shape[2]
    acc = np.empty((tiles, n_j), dtype=codes.dtype)
    accf = np.empty((tiles, n_j), dtype=out.dtype)
    fin = np.empty(2 * (n_j // slice_w.shape[0]), dtype=out.dtype)
    for m in range(n_m):
        for i in range(tiles):
            a = acc[i]
            for j in range(n_j):
                a[j] = 0
            t = 0
            while t + 4 <= n_t:
                c0 = codes[i, idx[i, t, m]]
                c1 = codes[i, idx[i, t + 1, m]]
                c2 = codes[i, idx[i, t + 2, m]]
                c3 = codes[i, idx[i, t + 3, m]]
                w0, w1, w2, w3 = w_t[t], w_t[t + 1], w_t[t + 2], w_t[t + 3]
                for j in range(n_j):
                    a[j] += c0[j] * w0 + c1[j] * w1 + c2[j] * w2 + c3[j] * w3
                t += 4
            while t < n_t:
                c0 = codes[i, idx[i, t, m]]
                w0 = w_t[t]
                for j in range(n_j):
                    a[j] += c0[j] * w0
                t += 1
            af = accf[i]
            for j in range(n_j):
                af[j] = a[j]
        _combine(accf, lsb, slice_w, sets, out, d0, m, fin)


_combine = _jit(_combine_py)
_adc_rows = _jit(_adc_rows_py)
_gather_rows = _jit(_gather_rows_py)
_gather_rows_int = _jit(_gather_rows_int_py)
_pair_factor = _jit(_pair_factor_py)
_digits = _jit(_digits_py)
_pattern_index = _jit(_pattern_index_py)
_sparse_steps = _jit(_sparse_steps_py)
_row_sums = _jit(_row_sums_py)


def available() -> bool:
    """True when numba is importable and both kernels compile and agree with numpy on a tiny case
    (checked once; a failure warns and the numpy fallback, same numbers, is used)."""
    return _GATE.available()


def _selftest() -> None:
    """Both kernels on a tiny case, in float32 and float64, against hand-computed numbers."""
    for dt in (np.float32, np.float64):
        p = np.array([0.5, 1.5, -2.5, 9.0], dtype=dt).reshape(1, 1, 1, 4)
        out = np.zeros((1, 1, 2), dtype=dt)
        one = np.ones(1, dtype=dt)
        _adc_rows(p, dt(1.0), dt(3.0), _magic(dt), one, np.array([1.0, 4.0], dtype=dt), 1, out, 0, 0,
                  np.zeros((1, 1, 4), dtype=dt), False)
        if not np.array_equal(out[0, 0], np.array([0 + 4 * -2, 2 + 4 * 3], dtype=dt)):
            raise AssertionError(f"ADC kernel gave {out[0, 0]}")
        out2 = np.zeros((2, 1, 2), dtype=dt)  # two weight sets side by side
        _gather_rows(p[:, 0], np.zeros((1, 2, 1), np.int64), dt(1.0), np.array([1.0, 2.0], dtype=dt),
                     one, 2, out2, 0)
        if not np.array_equal(out2[:, 0], 3 * p[0, 0, 0].reshape(2, 2)):
            raise AssertionError(f"gather kernel gave {out2[:, 0]}")
    idx = np.empty((1, 2, 1), dtype=np.int64)
    _pattern_index(np.array([[5, 2, 7]], dtype=np.int32), 2, 1, 1, 3, idx)
    if idx.ravel().tolist() != [5, 6]:
        raise AssertionError(f"pattern-index kernel gave {idx.ravel()}")


_GATE = KernelGate("the crossbar kernels", _selftest, fallback="numpy")


def pair_factor(g_signed: np.ndarray, *, cell_bits: int, slices: int, n: int, rows: int, cols: int,
                cr: float) -> np.ndarray:
    """IR-drop factor (..., S N, K) float64 of the signed cells ``g_signed`` (..., S N, K) with the
    compiled kernel (``cr`` = ``g_on r_wire``); equal to :func:`.crossbar_sim._pair_factor`."""
    lead = g_signed.shape[:-2]
    g = np.ascontiguousarray(g_signed.reshape(-1, *g_signed.shape[-2:]))
    out = np.empty(g.shape)
    _pair_factor(g, g.dtype.type(2 ** cell_bits - 1), slices, n, rows, cols, float(cr), out)
    return out.reshape(*lead, *g.shape[-2:])


def _magic(dtype: Any) -> Any:
    """``1.5 * 2^(stored mantissa bits)``: ``(x + magic) - magic`` rounds ``x`` to the nearest integer, ties
    to even, exactly as ``rint`` for ``|x| < 2^22`` (float32; ``2^51`` float64), and vectorises
    where ``rint`` is a library call. Beyond that range the result stays beyond the ADC's codes
    (``levels < 2^15``), so the clip that follows gives the same code."""
    return np.dtype(dtype).type(1.5 * 2.0 ** np.finfo(dtype).nmant)


def _int_codes(levels: float, w_t: np.ndarray, dtype: Any) -> Any:
    """Integer type for the shift-added ADC codes when the float sums are exact (largest sum
    ``levels sum(w_t)`` below ``2^(mantissa + 1)``): int16 if it fits, else int32; None if not exact."""
    top = float(levels) * float(np.sum(w_t))
    if top >= 2.0 ** (np.finfo(dtype).nmant + 1):
        return None
    return np.int16 if top < 2 ** 15 else np.int32 if top < 2 ** 31 else None


_ORDER: dict[tuple[int, int, str], bool] = {}


def _blas_row_order(rows: int, n_j: int, dtype: Any) -> bool:
    """Whether this machine's BLAS sums ``a @ b`` (``rows`` deep, ``n_j`` wide, ``dtype``) in row
    order, so that :func:`_sparse_steps_py` gives its partial sums bit for bit: checked once per
    shape on random cells spanning six decades (any other order shows up in some of the thousands
    of sums) with products of 8, 64 and 520 rows (BLAS picks its kernel by size; OpenBLAS 0.3.31 on
    SkylakeX sums 128 x 256 in row order but not 64 x 40); False means BLAS for every step."""
    key = (rows, n_j, np.dtype(dtype).str)
    if key not in _ORDER:
        rng = np.random.default_rng(rows * 7919 + n_j)
        b = (rng.standard_normal((rows, n_j)) * 10.0 ** rng.uniform(-3, 3, (rows, n_j))).astype(dtype)
        a = (rng.random((520, rows)) < 0.5).astype(dtype)
        ok = True
        for mm in (a[:8], a[:64], a):
            seq = np.empty((mm.shape[0], n_j), dtype=dtype)
            _row_sums(mm, b, seq)
            ok = ok and bool(np.array_equal(mm @ b, seq))
        _ORDER[key] = ok
    return _ORDER[key]


def _sparse_from(q: np.ndarray, steps: int) -> int:
    """First input step from which every bit plane of ``q`` has at most ``SPARSE_MAX_DENSITY`` of its
    bits set (``steps``: none; at least 1, so BLAS keeps the lowest step)."""
    t0 = steps
    for t in range(steps - 1, 0, -1):
        if np.count_nonzero(q & (1 << t)) > SPARSE_MAX_DENSITY * q.size:
            break
        t0 = t
    return t0


def use_table(dac_bits: int, rows: int, m: int, steps: int) -> bool:
    """Whether the pattern table is cheaper than the products (see the module docstring)."""
    bits = dac_bits * rows
    return bits <= 12 and 2 ** bits <= TABLE_MAX_PATTERNS and 2 ** bits * TABLE_MIN_REUSE <= m * steps


def _digit_block(q: np.ndarray, steps: int, dac_bits: int, width: int, dtype: Any, compiled: bool = False,
                 buf: np.ndarray | None = None) -> np.ndarray:
    """Input digits of the integer inputs ``q`` (M, K) as (T, M, width) of ``dtype``, least
    significant first, zero columns padded: the digits :func:`.crossbar_sim._digits` computes in
    floating point, which are exact there for these integer values (below 2^16). ``buf``: a flat
    ``dtype`` array of at least T M width elements to write into (no allocation per block)."""
    m, k = q.shape
    if buf is not None:
        out = buf[:steps * m * width].reshape(steps, m, width)
        if width > k:
            out[:, :, k:] = 0
    else:
        out = np.zeros((steps, m, width), dtype=dtype) if width > k else np.empty((steps, m, width), dtype=dtype)
    if compiled:
        _digits(q, dac_bits, out)
        return out
    mask = (1 << dac_bits) - 1
    for t in range(steps):
        out[t, :, :k] = (q >> (t * dac_bits)) & mask
    return out


def partial_sums(part: np.ndarray, g: np.ndarray, *, steps: int, dac_bits: int, tiles: int, rows: int,
                 slice_w: np.ndarray, sets: int, lsb: float, levels: float,
                 compiled: bool | None = None) -> np.ndarray:
    """One unsigned input part through the crossbar: ADC codes shift-added over the input steps, times
    the LSB, added over row tiles and shift-added over slices with ``slice_w`` (S,) (what the
    reference computes as ``sum(_partial_sums(...), -3) * slice_w`` summed over the slices).

    ``part`` (L, M, K) non-negative integer-valued inputs (L = 1: shared by all weight sets);
    ``g`` (G, tiles, rows, J) cells with ``J = S sets N`` (slice-major, then ``sets`` weight sets side
    by side, then outputs), L = G or L = 1 or G = 1 (``sets > 1`` only with L = G = 1); returns
    (max(L, G) sets, M, N) in ``part``'s dtype. ``compiled``: numba kernels (default: when
    available) or their numpy twin.
    """
    dt = part.dtype.type
    compiled = available() if compiled is None else compiled
    n_l, m, _ = part.shape
    n_g, j = g.shape[0], g.shape[-1]
    n_s = slice_w.shape[0]
    n = j // (sets * n_s)
    lead = max(n_l, n_g)
    w_t = np.array([2.0 ** (t * dac_bits) for t in range(steps)], dtype=part.dtype)
    sw = slice_w.astype(part.dtype)
    lsb_d, lv, mg = dt(lsb), dt(levels), _magic(part.dtype)
    out = np.empty((lead * sets, m, n), dtype=part.dtype)
    q = part.astype(np.int32)  # integer-valued inputs in [0, 2^16): exact
    if n_l == 1 and use_table(dac_bits, rows, m, steps):
        base = 2 ** dac_bits
        pat = np.arange(base ** rows)
        pm = np.stack([(pat // base ** r) % base for r in range(rows)], axis=-1).astype(part.dtype)  # (P, rows)
        if compiled:
            idx = np.empty((tiles, steps, m), dtype=np.int64)
            _pattern_index(q[0], steps, dac_bits, tiles, rows, idx)
        else:
            digits = _digit_block(q[0], steps, dac_bits, tiles * rows, part.dtype).reshape(steps, m, tiles, rows)
            idx = np.ascontiguousarray(np.moveaxis(digits @ (float(base) ** np.arange(rows)), -1, 0)).astype(np.int64)
        for d in range(n_g):
            codes = pm @ g[d]  # (tiles, P, J): the partial sums of every pattern, one BLAS call
            np.divide(codes, lsb_d, out=codes)
            np.rint(codes, out=codes)
            np.clip(codes, -lv, lv, out=codes)
            ity = _int_codes(levels, w_t, part.dtype) if compiled else None
            if ity is not None:
                _gather_rows_int(codes.astype(ity), idx, lsb_d, w_t.astype(ity), sw, sets, out, d * sets)
            elif compiled:
                _gather_rows(codes, idx, lsb_d, w_t, sw, sets, out, d * sets)
            else:
                _gather_numpy(codes, idx, lsb_d, w_t, sw, sets, out, d * sets)
        return out
    per_block = max(1, BLOCK_ELEMENTS // max(1, tiles * steps * j))
    # sparse top steps: 1-bit DAC, exact integer code sums in any order, BLAS in row order
    sparse_ok = compiled and dac_bits == 1 and steps > 1 and _int_codes(levels, w_t, part.dtype) is not None
    block = steps * min(m, per_block)  # buffers reused by every block: no allocation (and page faults) per block
    xbuf = np.empty(block * tiles * rows, dtype=part.dtype)
    pbuf = np.empty(tiles * block * j, dtype=part.dtype)
    for d in range(lead):
        xd = q[d if n_l > 1 else 0]
        gd = g[d if n_g > 1 else 0]
        t0 = _sparse_from(xd, steps) if sparse_ok else steps
        if t0 < steps and not _blas_row_order(rows, j, part.dtype):
            t0 = steps
        init = np.empty((tiles, m if t0 < steps else 0, j), dtype=part.dtype)
        if t0 < steps:
            _sparse_steps(xd, gd, t0, steps, lsb_d, lv, mg, w_t, init)
        for m0 in range(0, m, per_block):
            m1 = min(m, m0 + per_block)
            xb = _digit_block(xd[m0:m1], t0, dac_bits, tiles * rows, part.dtype, compiled, xbuf)
            xb = xb.reshape(t0 * (m1 - m0), tiles * rows)
            p = pbuf[:tiles * t0 * (m1 - m0) * j].reshape(tiles, t0 * (m1 - m0), j)
            for i in range(tiles):  # one BLAS call per tile for all steps of the block
                np.matmul(xb[:, i * rows:(i + 1) * rows], gd[i], out=p[i])
            p4 = p.reshape(tiles, t0, m1 - m0, j)
            if compiled:
                _adc_rows(p4, lsb_d, lv, mg, w_t[:t0], sw, sets, out, d * sets, m0, init, t0 < steps)
            else:
                _adc_numpy(p4, lsb_d, lv, w_t, sw, sets, out, d * sets, m0)
    return out


def _combine_numpy(acc: np.ndarray, lsb: Any, slice_w: np.ndarray, sets: int, out: np.ndarray, d0: int,
                   m0: int) -> None:
    """numpy twin of :func:`_combine_py` for a block of rows: ``acc`` (tiles, Mc, J)."""
    tiles, mc, j = acc.shape
    n_s = slice_w.shape[0]
    v = np.multiply(acc, lsb, out=acc)
    v = np.sum(v, axis=0) if tiles > 1 else v[0]
    v = v.reshape(mc, n_s, sets, j // (sets * n_s)) * slice_w[:, None, None]
    out[d0:d0 + sets, m0:m0 + mc] = np.moveaxis(np.sum(v, axis=1), 1, 0)


def _adc_numpy(p: np.ndarray, lsb: Any, levels: Any, w_t: np.ndarray, slice_w: np.ndarray, sets: int,
               out: np.ndarray, d0: int, m0: int) -> None:
    """numpy twin of the ADC kernel: the reference's in-place passes, one step at a time."""
    acc = None
    for t in range(p.shape[1]):
        q = np.divide(p[:, t], lsb, out=p[:, t])
        np.rint(q, out=q)
        np.clip(q, -levels, levels, out=q)
        if acc is None:
            acc = q.copy()
        else:
            np.multiply(q, w_t[t], out=q)
            np.add(acc, q, out=acc)
    assert acc is not None
    _combine_numpy(acc, lsb, slice_w, sets, out, d0, m0)


def _gather_numpy(codes: np.ndarray, idx: np.ndarray, lsb: Any, w_t: np.ndarray, slice_w: np.ndarray,
                  sets: int, out: np.ndarray, d0: int) -> None:
    """numpy twin of the gather kernel, over blocks of rows."""
    tiles, n_t, m = idx.shape
    per_block = max(1, BLOCK_ELEMENTS // max(1, tiles * codes.shape[2]))
    for m0 in range(0, m, per_block):
        m1 = min(m, m0 + per_block)
        acc = np.empty((tiles, m1 - m0, codes.shape[2]), dtype=codes.dtype)
        for i in range(tiles):
            for t in range(n_t):
                c = np.take(codes[i], idx[i, t, m0:m1], axis=0)
                if t == 0:
                    acc[i] = c
                else:
                    np.multiply(c, w_t[t], out=c)
                    np.add(acc[i], c, out=acc[i])
        _combine_numpy(acc, lsb, slice_w, sets, out, d0, m0)
