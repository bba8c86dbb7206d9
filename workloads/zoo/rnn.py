"""LSTM acoustic model (TIMIT-style) of the FPGA LSTM accelerator papers.

``lstm-timit`` is the Google LSTMP architecture (Sak, Senior & Beaufays, Interspeech 2014:
LSTM with peephole connections and a recurrent projection layer) in the size that ESE (Han et al.,
FPGA 2017, arXiv 1612.00694), C-LSTM (Wang et al., FPGA 2018, arXiv 1803.06305) and E-RNN
(Li et al., HPCA 2019, arXiv 1812.07106) benchmark on TIMIT: 2 layers, 1024 memory cells,
512-unit projection, 153-dimensional acoustic feature frames.

Provenance: the LSTMP structure is from Sak et al.; the sizes (153 / 1024 / 512 / 2 layers) are
recalled from the ESE and C-LSTM papers' model sections and could not be re-read in the sources
available here, so they are parameters (``features``, ``hidden``, ``proj``, ``layers``) and the
docs mark them *recalled — verify*. Parameters follow the PyTorch ``nn.LSTM(proj_size=...)``
convention (two bias vectors per gate) plus 3·H peephole weights per layer.

``frames`` is the number of 10 ms feature frames processed (time steps); the default, one frame,
is the per-frame cost the accelerator papers report.
"""

from __future__ import annotations

from ..graph import Workload, WorkloadBuilder
from . import register
from .common import require


@register("lstm-timit", source="Google LSTMP (Sak et al. Interspeech 2014) as benchmarked by ESE (FPGA'17), "
                               "C-LSTM (FPGA'18), E-RNN (HPCA'19): 2x LSTMP 1024 cells / 512 proj, 153 inputs "
                               "[sizes recalled - verify]",
          frames=1, features=153, hidden=1024, proj=512, layers=2, peephole=True, classes=0)
def lstm_timit(frames: int, features: int, hidden: int, proj: int, layers: int, peephole: bool,
               classes: int) -> Workload:
    """Stacked LSTMP acoustic model; ``classes > 0`` adds a per-frame output layer."""
    for key, value, low in (("frames", frames, 1), ("features", features, 1), ("hidden", hidden, 1),
                            ("proj", proj, 0), ("layers", layers, 1), ("classes", classes, 0)):
        require("lstm-timit", key, value, value >= low, f"an integer >= {low}")
    b = WorkloadBuilder("lstm-timit", (frames, features), task="speech", dataset="timit")
    x = b.input
    for i in range(layers):
        with b.scope(f"lstm{i}"):
            x = b.recurrent(x, hidden, "lstm", name="cell", proj=proj, peephole=peephole)
    if classes:
        b.linear(x, classes, name="output")
    return b.build()
