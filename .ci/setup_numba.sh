#!/usr/bin/env bash
# Install numba, the optional compiler behind costmodels/he/fastplace.py (the CKKS model's bootstrap
# placement run point by point in compiled code, bit-identical to the array version; issue 17's
# evaluation-speed target). numba 0.68.1 accepts numpy >=1.22,<2.6, so the pinned numpy stays.
# Installs into the current Python environment (CI's venv); idempotent and quiet; always exits 0:
# without numba the model runs its array version (same numbers, slower) and the equality test skips.
# Also used by costmodels/asic/mapping_fast.py (the asic mapping evaluator's compiled counts; same rule).
set -u
PY="${PYTHON:-python}"
if "$PY" -c "import numba; assert numba.__version__ == '0.68.1'" >/dev/null 2>&1; then
    exit 0
fi
"$PY" -m pip install -q --disable-pip-version-check "numba==0.68.1" >"${TMPDIR:-/tmp}/setup_numba.log" 2>&1 || {
    echo "setup_numba: install failed (see ${TMPDIR:-/tmp}/setup_numba.log); the CKKS model will use its array path" >&2
    exit 0
}
"$PY" -c "import numba" >/dev/null 2>&1 || echo "setup_numba: numba does not import; the CKKS model will use its array path" >&2
exit 0
