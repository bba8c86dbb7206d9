#!/usr/bin/env bash
# Install the ZigZag 3.9.1 peer used by tests/asic/test_mapping.py (live peer test, -m peer) and
# costmodels/asic/peer_zigzag.py. zigzag-dse does not declare its `six` dependency, so it is added.
# Installs into the current Python environment (CI's venv); idempotent and quiet; always exits 0
# so CI degrades to a skipped live cross-check (the recorded ZigZag run in tests/asic/data still runs).
set -u
PY="${PYTHON:-python}"
if "$PY" -c "import zigzag, six; from importlib.metadata import version; assert version('zigzag-dse') == '3.9.1'" >/dev/null 2>&1; then
    exit 0
fi
"$PY" -m pip install -q --disable-pip-version-check "zigzag-dse==3.9.1" six >"${TMPDIR:-/tmp}/setup_zigzag.log" 2>&1 || {
    echo "setup_zigzag: install failed (see ${TMPDIR:-/tmp}/setup_zigzag.log); ZigZag live cross-checks will be skipped" >&2
    exit 0
}
"$PY" -c "import zigzag" >/dev/null 2>&1 || echo "setup_zigzag: zigzag does not import; live cross-checks will be skipped" >&2
exit 0
