#!/usr/bin/env bash
# Install orion-fhe 1.0.2 without its dependencies: its wheel ships Lattigo v6.2.0 (Go CKKS,
# fork baahl-nyu/lattigo) as a C shared library, which costmodels/he/lattigo_peer.py loads with
# ctypes (the orion Python package itself, which needs torchvision, is never imported). Optional
# peer behind `dse calibrate he --backend lattigo` and the tests marked `peer` in
# tests/he/test_lattigo_peer.py. Idempotent, quiet, always exits 0: without it those tests skip.
set -u
PY="${PYTHON:-python}"
if "$PY" -c "import importlib.metadata as m; assert m.version('orion-fhe') == '1.0.2'" >/dev/null 2>&1; then
    exit 0
fi
"$PY" -m pip install -q --disable-pip-version-check --no-deps "orion-fhe==1.0.2" >"${TMPDIR:-/tmp}/setup_lattigo.log" 2>&1 \
    || echo "setup_lattigo: install failed (see ${TMPDIR:-/tmp}/setup_lattigo.log); the Lattigo peer tests will skip" >&2
exit 0
