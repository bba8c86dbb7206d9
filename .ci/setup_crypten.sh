#!/usr/bin/env bash
# Install CrypTen 0.4.1 (optional MPC peer, [CrypTen21] in docs/references.md) as follows:
#   pip install --no-deps crypten==0.4.1   (its Requires-Dist pulls the dead `sklearn` package)
#   + its light runtime deps omegaconf / pyyaml.
# On torch >= 2.9 `import crypten` needs torch.onnx._internal.registration aliased first;
# costmodels/mpc/calibrate.py:import_crypten does that.
# Into the system interpreter when that leaves numpy/torch untouched, else into
# .venv-crypten (sharing the system site-packages, so torch is not reinstalled).
# Idempotent, quiet, and always exits 0: without crypten the cross-check tests skip with a reason.
set -u
cd "$(dirname "$0")/.." || exit 0
PY=${PYTHON:-python}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

check() {  # $1 = interpreter; succeeds when crypten imports with the alias shim
  "$1" - <<'PYEOF' >/dev/null 2>&1
import sys
try:
    import torch.onnx._internal.torchscript_exporter.registration as r
    sys.modules.setdefault("torch.onnx._internal.registration", r)
except ImportError:
    pass
import crypten  # noqa: F401
PYEOF
}

if check "$PY"; then echo "crypten: already importable ($PY)"; exit 0; fi
if [ -x .venv-crypten/bin/python ] && check .venv-crypten/bin/python; then
  echo "crypten: already importable (.venv-crypten)"; exit 0
fi

versions() { "$1" -c 'import numpy, torch; print(numpy.__version__, torch.__version__)' 2>/dev/null; }
before=$(versions "$PY")
# Would the light deps move numpy/torch? (they should not: omegaconf needs antlr4 + PyYAML only)
if "$PY" -m pip install --dry-run --quiet --report "$LOG.json" omegaconf pyyaml >/dev/null 2>&1 \
   && ! grep -Eq '"name": "(numpy|torch)"' "$LOG.json" 2>/dev/null; then
  "$PY" -m pip install --quiet --no-deps crypten==0.4.1 >"$LOG" 2>&1 \
    && "$PY" -m pip install --quiet omegaconf pyyaml >>"$LOG" 2>&1
  after=$(versions "$PY")
  if [ "$before" = "$after" ] && check "$PY"; then
    echo "crypten: installed into the system interpreter (numpy/torch unchanged: $after)"; rm -f "$LOG.json"; exit 0
  fi
fi
rm -f "$LOG.json"
# Fallback: a venv that sees the system torch/numpy but holds crypten itself.
if "$PY" -m venv --system-site-packages .venv-crypten >>"$LOG" 2>&1 \
   && .venv-crypten/bin/python -m pip install --quiet --no-deps crypten==0.4.1 >>"$LOG" 2>&1 \
   && .venv-crypten/bin/python -m pip install --quiet omegaconf pyyaml >>"$LOG" 2>&1 \
   && check .venv-crypten/bin/python; then
  echo "crypten: installed into .venv-crypten"; exit 0
fi
echo "crypten: install failed; CrypTen cross-check tests will be skipped (last lines of the log follow)"
tail -n 5 "$LOG"
exit 0
