"""Lattigo as a measured CKKS peer: per-operation and bootstrapping timings on this machine.

Source: **Lattigo v6.2.0 via orion-fhe 1.0.2** (the PyPI wheel ships Lattigo, fork baahl-nyu/lattigo
tag v6.2.0 = commit a9699d924dcc2628153b1ca3bf41d65b26299a86, compiled into a C shared library
``orion/backend/lattigo/lattigo-linux.so`` with ctypes-friendly exports). The library is loaded with
:mod:`ctypes`; the ``orion`` Python package itself (torch, torchvision) is never imported.

Units: every time is seconds, every size is bits (``log_*``) or 64-bit RNS limbs (``limbs``).

Calling thread: call the library from a thread other than the main one (:func:`off_main_thread`).
Each call into Go from a foreign thread makes the Go 1.23 runtime (the .so is built with go1.23.0)
ask glibc for that thread's stack bounds; for the process's main thread glibc's
``pthread_getattr_np`` parses ``/proc/self/maps``, which costs 0.2-1.5 ms of CPU per call here (more
with a larger heap; measured: a no-op call 1.3 ms on the main thread, 1.8 us on another thread;
golang/go#68587). Every timing callable is therefore meant to run inside :func:`off_main_thread`.

Threading: the Go runtime reads ``GOMAXPROCS`` once, when the shared library is loaded;
:func:`load_lattigo` sets it (default 1, single-threaded timings) before the first load. Lattigo's
CKKS evaluator is sequential code, so with ``GOMAXPROCS=1`` a process uses one core (the Go garbage
collector shares that one P).

The library holds one global scheme (one parameter set, one key set) per process: building a new
:class:`LattigoBench` invalidates the previous one. A Go ``panic`` (bad id, invalid parameters)
aborts the whole process, so arguments are checked here before they reach the library.
"""

from __future__ import annotations

import ctypes
import importlib.util
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from dse.errors import DseInputError

__all__ = ["BOOT_DEFAULTS", "ENV_SO", "N16QP1546H192H32", "OPS", "OVERHEAD", "SOURCE", "LattigoBench",
           "bootstrap_structure", "find_lattigo", "gomaxprocs", "load_lattigo", "off_main_thread"]

SOURCE = "Lattigo v6.2.0 via orion-fhe 1.0.2"
INSTALL = "an installed peer: pip install --no-deps orion-fhe==1.0.2"
#: environment variable naming the shared library directly (skips the orion-fhe lookup)
ENV_SO = "DSE_LATTIGO_SO"
LATTIGO_COMMIT = "a9699d924dcc2628153b1ca3bf41d65b26299a86"  # baahl-nyu/lattigo tag v6.2.0

#: Residual parameters of Lattigo's default bootstrapping set ``N16QP1546H192H32``
#: (circuits/ckks/bootstrapping/default_parameters.go at v6.2.0): logN 16, residual Q 60 + 9 x 40 bits,
#: P 5 x 61 bits, scale 2^40, ternary secret of Hamming weight 192. The bootstrapping literal is empty
#: (all defaults, :data:`BOOT_DEFAULTS`), which extends Q to 25 primes and uses 5 x 61-bit P primes:
#: logQP = 420 + 117 + 480 + 224 + 305 = 1546 bits.
N16QP1546H192H32: dict[str, Any] = {"log_n": 16, "log_q": [60] + [40] * 9, "log_p": [61] * 5, "log_scale": 40,
                                    "h": 192}

#: Defaults of ``bootstrapping.ParametersLiteral`` in Lattigo v6.2.0
#: (circuits/ckks/bootstrapping/parameters_literal.go, constants ``Default*``). orion-fhe's
#: ``NewBootstrapper`` sets only LogN (= residual), LogP, Xs (= residual secret) and LogSlots, so all
#: of these apply.
BOOT_DEFAULTS: dict[str, Any] = {
    "c2s_levels_max": 4, "c2s_log_scale": 56,      # CoeffsToSlots: min(4, LogSlots) levels of 56-bit primes
    "s2c_levels_max": 3, "s2c_log_scale": 39,      # SlotsToCoeffs: min(3, LogSlots) levels of 39-bit primes
    "evalmod_log_scale": 60, "mod1_type": "CosDiscrete", "mod1_degree": 30, "double_angle": 3, "k": 16,
    "mod1_inv_degree": 0, "log_message_ratio": 8, "ephemeral_secret_weight": 32, "iterations": 1,
    "log_p_bits": 61,                               # default P: floor(sqrt(#Q)) primes of 61 bits
    "circuit_order": "ModUpThenEncode", "bsgs_log_ratio": 1,
}

#: operations :meth:`LattigoBench.runner` times (Lattigo's MulRelin is the tensor product and the
#: relinearisation in one call; the library exports no separate relinearise, conjugate or level drop)
OPS = ("add", "add_plain", "mul_plain", "mul_relin", "rescale", "rotate", "encode", "encrypt", "decrypt")
#: ops whose callable includes extra work that a benchmark subtracts: ``rescale`` runs on a fresh copy
#: of its operand each call (Lattigo's Rescale consumes the level), so its callable is
#: copy + rescale + free, and ``copy`` (copy + free) is the overhead to subtract.
OVERHEAD = {"rescale": "copy"}

T = TypeVar("T")

_LIB: ctypes.CDLL | None = None
_LIB_PATH: str | None = None
_LIB_THREADS: str | None = None
_ACTIVE: LattigoBench | None = None


def find_lattigo() -> str:
    """Path of the Lattigo shared library: ``$DSE_LATTIGO_SO`` if set, else the one inside an installed
    orion-fhe (found with :func:`importlib.util.find_spec`, which does not run ``orion/__init__.py``).

    Raises :class:`~dse.errors.DseInputError` (field ``backend``) naming the install command.
    """
    env = os.environ.get(ENV_SO)
    if env:
        if not Path(env).is_file():
            raise DseInputError("backend", "lattigo", INSTALL, detail=f"{ENV_SO}={env} is not a file")
        return env
    try:
        spec = importlib.util.find_spec("orion")
    except (ImportError, ValueError) as exc:  # pragma: no cover - broken installs
        raise DseInputError("backend", "lattigo", INSTALL, detail=str(exc)) from None
    if spec is None or not spec.submodule_search_locations:
        raise DseInputError("backend", "lattigo", INSTALL, detail="no module named 'orion'")
    path = Path(list(spec.submodule_search_locations)[0]) / "backend" / "lattigo" / "lattigo-linux.so"
    if not path.is_file():
        raise DseInputError("backend", "lattigo", INSTALL, detail=f"{path} missing (Linux x86-64 wheel needed)")
    return str(path)


def off_main_thread(fn: Callable[[], T]) -> T:
    """Run ``fn()`` in a fresh thread (not the main one) and return its result or raise its exception:
    calls into Lattigo from the main thread pay ~1 ms each of Go runtime overhead (module docstring)."""
    if threading.current_thread() is not threading.main_thread():
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    th = threading.Thread(target=target, name="lattigo")
    th.start()
    th.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _sig(lib: ctypes.CDLL) -> None:
    i, ul, ll, f = ctypes.c_int, ctypes.c_ulong, ctypes.c_longlong, ctypes.c_float
    ip, fp, cp = ctypes.POINTER(i), ctypes.POINTER(f), ctypes.c_char_p
    sigs: dict[str, tuple[list[Any], Any]] = {
        "NewScheme": ([i, ip, i, ip, i, i, i, cp, cp, cp], None), "DeleteScheme": ([], None),
        "GenerateSecretKey": ([], None), "GeneratePublicKey": ([], None),
        "GenerateRelinearizationKey": ([], None), "GenerateEvaluationKeys": ([], None),
        "NewEncoder": ([], None), "NewEncryptor": ([], None), "NewDecryptor": ([], None),
        "NewEvaluator": ([], None), "AddRotationKey": ([i], None),
        "Encode": ([fp, i, i, ul], i), "Encrypt": ([i], i), "Decrypt": ([i], i),
        "AddCiphertext": ([i, i], i), "AddCiphertextNew": ([i, i], i), "AddPlaintext": ([i, i], i),
        "MulPlaintext": ([i, i], i), "MulRelinCiphertext": ([i, i], i), "Rotate": ([i, i], i),
        "Rescale": ([i], i), "DeletePlaintext": ([i], None), "DeleteCiphertext": ([i], None),
        "GetCiphertextLevel": ([ll], i), "GetPlaintextLevel": ([i], i), "GetCiphertextScale": ([i], ul),
        "SetCiphertextScale": ([i, ul], None), "GetCiphertextDegree": ([ll], i), "GetCiphertextSlots": ([ll], i),
        "NewBootstrapper": ([ip, i, i], None), "Bootstrap": ([i, i], i), "DeleteBootstrappers": ([], None),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res


def load_lattigo(path: str | None = None, *, threads: int = 1, gogc: int | str | None = None) -> ctypes.CDLL:
    """Load the library once per process with ``GOMAXPROCS=threads`` (set before the load, as the Go
    runtime reads it at start-up); later calls return the same handle and must agree on ``threads``.
    ``gogc``: the Go collector's ``GOGC`` percentage (default: the environment's, else Go's 100); a
    larger value means fewer collection cycles stealing the single P during timing, more memory.
    Measured at N=2^16 (ops, 10 limbs): GOGC=100 inflated mul_relin/rotate by 40-60 % against
    GOGC=400, as the collector's mark work shares the single P with the timed call."""
    global _LIB, _LIB_PATH, _LIB_THREADS
    want = str(int(threads))
    if _LIB is not None:
        if want != _LIB_THREADS:
            raise DseInputError("threads", threads, f"{_LIB_THREADS} (the Go runtime is already running)")
        return _LIB
    path = path or find_lattigo()
    if threads < 1:
        raise DseInputError("threads", threads, "an integer >= 1 (GOMAXPROCS)")
    env = {"GOMAXPROCS": want, **({"GOGC": str(gogc)} if gogc is not None else {})}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # putenv: visible to the Go runtime started by dlopen below
    try:
        lib = ctypes.CDLL(path)
    finally:  # the runtime has read them; do not leak them to child processes
        for k, v in before.items():
            if v is None:
                del os.environ[k]
            else:
                os.environ[k] = v
    _sig(lib)
    _LIB, _LIB_PATH, _LIB_THREADS = lib, path, want
    return lib


def gomaxprocs() -> str | None:
    """GOMAXPROCS the loaded library's Go runtime started with (None before :func:`load_lattigo`)."""
    return _LIB_THREADS


def bootstrap_structure(log_n: int, log_q: Sequence[int], log_scale: int, *, log_slots: int | None = None,
                        log_p: Sequence[int] | None = None) -> dict[str, Any]:
    """The bootstrapping parameter set Lattigo v6.2.0 builds from these residual parameters and an
    otherwise default ``bootstrapping.ParametersLiteral`` (what orion-fhe's ``NewBootstrapper`` passes).

    Re-derived from ``bootstrapping.NewParametersFromLiteral`` (circuits/ckks/bootstrapping/
    parameters.go) and ``mod1.ParametersLiteral.Depth`` (circuits/ckks/mod1/mod1_parameters.go); the
    exported C API does not expose the bootstrapping parameters, only the depth is checked at run
    time (the output level of a bootstrap is the residual top level). Levels are counted in primes.
    """
    d = BOOT_DEFAULTS
    slots_log = log_n - 1 if log_slots is None else log_slots
    c2s = [d["c2s_log_scale"]] * min(d["c2s_levels_max"], max(slots_log, 1))
    s2c_q = d["s2c_log_scale"] + (log_scale if d["s2c_log_scale"] + log_scale < 61 else 0)
    s2c = [s2c_q] * min(d["s2c_levels_max"], max(slots_log, 1))
    mod1_depth = (max(d["mod1_degree"], 2 * d["k"] - 1).bit_length() + d["double_angle"]
                  + int(d["mod1_inv_degree"]).bit_length())
    evalmod = [d["evalmod_log_scale"]] * mod1_depth
    q_all = [*log_q, *s2c, *evalmod, *c2s]
    p = list(log_p) if log_p is not None else [d["log_p_bits"]] * max(1, math.isqrt(len(q_all)))
    return {
        "source": f"{SOURCE}; derived from circuits/ckks/bootstrapping/parameters.go @ {LATTIGO_COMMIT[:12]}",
        "log_n": log_n, "log_slots": slots_log, "residual_log_q": list(log_q), "residual_levels": len(log_q) - 1,
        "s2c_log_q": s2c, "evalmod_log_q": evalmod, "c2s_log_q": c2s, "log_q": q_all, "log_p": p,
        "q_primes": len(q_all), "p_primes": len(p), "dnum": math.ceil(len(q_all) / len(p)),
        "log_qp": sum(q_all) + sum(p), "depth": {"c2s": len(c2s), "evalmod": mod1_depth, "s2c": len(s2c)},
        "eval_mod": {"type": d["mod1_type"], "degree": d["mod1_degree"], "double_angle": d["double_angle"],
                     "k": d["k"], "inv_degree": d["mod1_inv_degree"], "log_message_ratio": d["log_message_ratio"],
                     "log_scale": d["evalmod_log_scale"]},
        "ephemeral_secret_weight": d["ephemeral_secret_weight"], "iterations": d["iterations"],
        "circuit_order": d["circuit_order"], "bsgs_log_ratio": d["bsgs_log_ratio"],
        # full packing (LogSlots = LogN-1) splits real and imaginary parts: EvalMod runs twice
        "evalmod_runs": 2 if slots_log == log_n - 1 else 1,
    }


class LattigoBench:
    """Lattigo scheme, keys and operands for one parameter set; ``runner(op, limbs)`` returns a
    zero-argument callable running ONE operation on preallocated operands holding ``limbs`` Q primes
    (level ``limbs - 1``), in place, so calling it in a loop allocates nothing that is not freed.

    Keys: secret (ternary, Hamming weight ``h``), public, relinearisation, and the power-of-two
    rotation keys orion's ``NewEvaluator`` always generates (log2(N/2) keys; rotate-by-1 is among
    them). Seconds spent on each phase are in :attr:`keygen_s`.
    """

    def __init__(self, log_n: int, log_q: Sequence[int], log_p: Sequence[int], h: int = 192, log_scale: int = 40,
                 *, lib_path: str | None = None, threads: int = 1, gogc: int | str | None = None):
        global _ACTIVE
        if not 10 <= log_n <= 17:
            raise DseInputError("log_n", log_n, "an integer in [10, 17]")
        if not log_q or not log_p or any(not 20 <= b <= 61 for b in [*log_q, *log_p]):
            raise DseInputError("log_q/log_p", (list(log_q), list(log_p)), "non-empty lists of prime sizes in [20, 61]")
        if not 1 <= h <= 1 << log_n or not 10 <= log_scale <= 60:
            raise DseInputError("h/log_scale", (h, log_scale), "1 <= h <= N and 10 <= log_scale <= 60")
        self.lib = lib = load_lattigo(lib_path, threads=threads, gogc=gogc)
        if _ACTIVE is not None:
            _ACTIVE.close()
        self.log_n, self.n = log_n, 1 << log_n
        self.log_q, self.log_p, self.h, self.log_scale = list(log_q), list(log_p), h, log_scale
        self.top = len(self.log_q)
        self.scale = 1 << log_scale
        self.keygen_s: dict[str, float] = {}
        self._cts: list[int] = []
        self._pts: list[int] = []
        self._cache: dict[int, dict[str, int]] = {}
        self._boot_slots: set[int] = set()
        self.closed = False
        qa, pa = (ctypes.c_int * self.top)(*self.log_q), (ctypes.c_int * len(self.log_p))(*self.log_p)
        t = time.perf_counter()
        lib.NewScheme(log_n, qa, self.top, pa, len(self.log_p), log_scale, h, b"standard", b"", b"")
        lib.GenerateSecretKey()
        lib.GeneratePublicKey()
        lib.GenerateRelinearizationKey()
        lib.GenerateEvaluationKeys()
        lib.NewEncoder()
        lib.NewEncryptor()
        lib.NewDecryptor()
        self.keygen_s["sk_pk_rlk"] = time.perf_counter() - t
        t = time.perf_counter()
        lib.NewEvaluator()  # + log2(N/2) power-of-two rotation keys
        lib.AddRotationKey(1)
        self.keygen_s["rotation_keys"] = time.perf_counter() - t
        self.rotation_keys = log_n - 1
        self.values = (ctypes.c_float * (self.n // 2))(*([0.25] * (self.n // 2)))
        _ACTIVE = self

    # -- helpers ---------------------------------------------------------------------------
    def _check(self) -> None:
        if self.closed:
            raise DseInputError("LattigoBench", "closed", "the most recently built LattigoBench (one scheme per process)")

    def level(self, ct: int) -> int:
        """Level of ciphertext ``ct`` (number of Q primes it holds minus one)."""
        return int(self.lib.GetCiphertextLevel(ct))

    def encode(self, level: int) -> int:
        pid = int(self.lib.Encode(self.values, self.n // 2, level, self.scale))
        self._pts.append(pid)
        return pid

    def encrypt_at(self, limbs: int) -> int:
        """A fresh ciphertext of 0.25s at scale 2^log_scale holding ``limbs`` Q primes: encrypted at the
        top level, then rescaled down (Lattigo's Rescale always drops one prime) and its scale reset."""
        self._check()
        if not 1 <= limbs <= self.top:
            raise DseInputError("limbs", limbs, f"1..{self.top} (the chain's primes at logN={self.log_n})")
        pt = self.encode(self.top - 1)
        ct = int(self.lib.Encrypt(pt))
        self._cts.append(ct)
        for _ in range(self.top - limbs):
            self.lib.Rescale(ct)
        self.lib.SetCiphertextScale(ct, self.scale)
        assert self.level(ct) == limbs - 1
        return ct

    def operands(self, limbs: int) -> dict[str, int]:
        """Ciphertext and plaintext ids at ``limbs`` primes (cached): one ciphertext per in-place op
        (so scales do not mix), a second operand ``b``, a zero-cost-to-keep ``r`` for rescale."""
        if limbs not in self._cache:
            o = {k: self.encrypt_at(limbs) for k in ("add", "add_plain", "mul_plain", "mul_relin", "rotate", "b", "r")}
            o["pt"] = self.encode(limbs - 1)
            self._cache[limbs] = o
        return self._cache[limbs]

    # -- timing callables ------------------------------------------------------------------
    def runner(self, op: str, limbs: int) -> Callable[[], None] | None:
        """Zero-argument callable running one ``op`` at ``limbs`` primes (None for rescale at 1 limb);
        call it from a non-main thread (:func:`off_main_thread`).

        In place (no allocation): add (a += b), add_plain, mul_plain, mul_relin (a = a*b relinearised,
        no rescale), rotate (by 1 slot). Allocating then freeing: encode (at level limbs-1), encrypt
        (public key, at the plaintext's level), decrypt, copy (AddCiphertextNew + free) and rescale
        (copy + Rescale + free; subtract ``copy``, see :data:`OVERHEAD`).
        """
        self._check()
        if op not in (*OPS, "copy"):
            raise DseInputError("op", op, "one of " + ", ".join((*OPS, "copy")))
        if op == "rescale" and limbs < 2:
            return None
        o, lib = self.operands(limbs), self.lib
        pt, b = o["pt"], o["b"]

        def run_encrypt() -> None:
            lib.DeleteCiphertext(lib.Encrypt(pt))

        def run_copy() -> None:
            lib.DeleteCiphertext(lib.AddCiphertextNew(o["r"], b))

        def run_encode() -> None:
            lib.DeletePlaintext(lib.Encode(self.values, self.n // 2, limbs - 1, self.scale))

        def run_decrypt() -> None:
            lib.DeletePlaintext(lib.Decrypt(b))

        def run_rescale() -> None:
            new = lib.AddCiphertextNew(o["r"], b)
            lib.Rescale(new)
            lib.DeleteCiphertext(new)

        table: dict[str, Callable[[], None]] = {
            "add": lambda: lib.AddCiphertext(o["add"], b),
            "add_plain": lambda: lib.AddPlaintext(o["add_plain"], pt),
            "mul_plain": lambda: lib.MulPlaintext(o["mul_plain"], pt),
            "mul_relin": lambda: lib.MulRelinCiphertext(o["mul_relin"], b),
            "rotate": lambda: lib.Rotate(o["rotate"], 1),
            "encode": run_encode, "encrypt": run_encrypt, "decrypt": run_decrypt, "copy": run_copy,
            "rescale": run_rescale,
        }
        return table[op]

    # -- bootstrapping ---------------------------------------------------------------------
    def boot_log_p(self, log_slots: int | None = None) -> list[int]:
        """Lattigo's default bootstrapping P chain for this residual chain (floor(sqrt(#Q)) x 61 bits)."""
        return bootstrap_structure(self.log_n, self.log_q, self.log_scale, log_slots=log_slots)["log_p"]

    def build_bootstrapper(self, slots: int | None = None, log_p: Sequence[int] | None = None) -> float:
        """Generate the bootstrapping keys and DFT matrices for ``slots`` (default N/2); returns seconds."""
        self._check()
        slots = slots or self.n // 2
        if slots & (slots - 1) or not 2 <= slots <= self.n // 2:
            raise DseInputError("slots", slots, f"a power of two in [2, {self.n // 2}]")
        if slots in self._boot_slots:
            return 0.0
        lp = list(log_p) if log_p is not None else self.boot_log_p(int(math.log2(slots)))
        t = time.perf_counter()
        self.lib.NewBootstrapper((ctypes.c_int * len(lp))(*lp), len(lp), slots)
        self._boot_slots.add(slots)
        dt = time.perf_counter() - t
        self.keygen_s[f"bootstrapper_{slots}"] = dt
        return dt

    def bootstrap_input(self) -> int:
        """A ciphertext at the bottom level (one prime) with scale 2^log_scale (< q0 / 2^8 needed)."""
        if self.log_q[0] - self.log_scale < BOOT_DEFAULTS["log_message_ratio"] - 1:
            raise DseInputError("log_q[0] - log_scale", self.log_q[0] - self.log_scale,
                                ">= 7 (Lattigo's bootstrapping needs q0/scale >= 2^8/2)")
        return self.encrypt_at(1)

    def bootstrap(self, ct: int, slots: int | None = None) -> int:
        """Bootstrap ``ct`` once (the input is copied, not consumed); returns the new ciphertext's id,
        which the caller frees with ``lib.DeleteCiphertext``."""
        slots = slots or self.n // 2
        if slots not in self._boot_slots:
            raise DseInputError("slots", slots, f"one of the built bootstrappers {sorted(self._boot_slots)}")
        return int(self.lib.Bootstrap(ct, slots))

    def bootstrap_runner(self, slots: int | None = None, log_p: Sequence[int] | None = None) -> Callable[[], None]:
        """Build (once) a bootstrapper with Lattigo's default bootstrapping parameters for ``slots``
        (default N/2) and return a zero-argument callable that bootstraps one bottom-level ciphertext
        (orion's Bootstrap: copy, ScaleDown, ModUp, CoeffsToSlots, EvalMod, SlotsToCoeffs, multiply by
        N/2/slots) and frees the result. :func:`bootstrap_structure` describes the parameter set."""
        slots = slots or self.n // 2
        self.build_bootstrapper(slots, log_p)
        ct, lib = self.bootstrap_input(), self.lib

        def run() -> None:
            lib.DeleteCiphertext(lib.Bootstrap(ct, slots))
        return run

    def close(self) -> None:
        """Free the scheme, keys and every operand; this bench cannot be used afterwards."""
        global _ACTIVE
        if not self.closed:
            self.lib.DeleteScheme()
            self.closed = True
            self._cache.clear()
            if _ACTIVE is self:
                _ACTIVE = None
