"""Layer-list import (JSON/TOML): the documented example, field errors, and the CLI on a file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import workloads
from dse.errors import DseInputError
from workloads.importers.layerlist import layer_list_from_dict, load_layer_list

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "workloads.md"


def doc_examples() -> tuple[str, str]:
    """The TOML and JSON examples of the "Layer-list files" section of docs/workloads.md."""
    text = DOC.read_text().split("## Layer-list files", 1)[1].split("\n## ", 1)[0]
    toml = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    js = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    return toml, js


def test_documented_example_loads(tmp_path):
    """Both documented examples load to the same workload with the counts the docs state
    (11 layers, 5,234,688 MACs, 46,042 params, 32,768 ReLUs)."""
    toml, js = doc_examples()
    (tmp_path / "tiny.toml").write_text(toml)
    (tmp_path / "tiny.json").write_text(js)
    a, b = workloads.load(tmp_path / "tiny.toml"), workloads.load(tmp_path / "tiny.json")
    assert a == b
    assert (len(a), a.macs, a.params, a.relus) == (11, 5_234_688, 46_042, 32_768)
    assert a.info("dataset") == "cifar"
    assert {l.name for l in a if l.group == "block1"} >= {"conv_a", "conv_b", "residual"}
    assert a.layer("residual").inputs == ("conv_b", "stem_relu")


def test_every_kind_builds():
    """Each documented kind builds from a minimal entry."""
    doc = {"input": [8, 6], "layers": [
        {"kind": "linear", "out_features": 8, "name": "fc"},
        {"kind": "attention", "heads": 2},
        {"kind": "layernorm"},
        {"kind": "gelu"},
        {"kind": "matmul", "weights": "b", "weight_shape": [8, 4]},
        {"kind": "lstm", "hidden": 5, "proj": 3, "peephole": True},
        {"kind": "gru", "hidden": 4},
        {"kind": "recurrent", "hidden": 4, "cell": "gru"},
        {"kind": "slice", "axis": 0, "start": 1, "length": 2},
        {"kind": "reshape", "shape": [4, 2]},
        {"kind": "concat", "inputs": ["reshape0", "reshape0"], "axis": 1},
        {"kind": "mul", "inputs": ["concat0", "concat0"]},
        {"kind": "activation", "fn": "poly", "degree": 3},
        {"kind": "softmax"},
    ]}
    w = layer_list_from_dict(doc)
    assert w.output_shape == (4, 4)
    g = layer_list_from_dict({"input": [3, 10, 25], "layers": [
        {"kind": "graphconv", "out_channels": 8, "adjacency": "ntu-rgbd", "edge_importance": True},
        {"kind": "graphconv", "out_channels": 4, "adjacency": {"num_nodes": 25, "partitions": [[[0, 1], [1, 0]]]}},
        {"kind": "norm", "mode": "batch"}, {"kind": "avgpool", "kernel": [2, 5]}, {"kind": "flatten"},
    ]})
    assert g.output_shape == (4 * 5 * 5,)
    e = layer_list_from_dict({"input": [7], "layers": [{"kind": "embedding", "vocab": 100, "dim": 16}]})
    assert e.params == 1600


@pytest.mark.parametrize("doc, field", [
    ({"layers": [{"kind": "relu"}]}, "x.json: input"),
    ({"input": [3, -1], "layers": [{"kind": "relu"}]}, "x.json: input"),
    ({"input": [4], "layers": []}, "x.json: layers"),
    ({"input": [4], "layers": [{"kind": "convolution"}]}, "x.json: layers[0].kind"),
    ({"input": [4], "layers": [{"kind": "linear"}]}, "x.json: layers[0].out_features"),
    ({"input": [4], "layers": [{"kind": "linear", "out_features": 2, "colour": 1}]}, "x.json: layers[0].colour"),
    ({"input": [4], "layers": [{"kind": "linear", "out_features": 0}]}, "x.json: layers[0].out_features"),
    ({"input": [4], "layers": [{"kind": "relu", "inputs": ["ghost"]}]}, "x.json: layers[0].inputs"),
    ({"input": [4], "layers": [{"kind": "add", "inputs": ["input"]}]}, "x.json: layers[0].inputs"),
    ({"input": [4], "layers": [{"kind": "relu", "name": "a"}, {"kind": "relu", "name": "a"}]},
     "x.json: layers[1].name"),
    ({"input": [3, 8, 8], "layers": [{"kind": "conv2d", "out_channels": 4, "kernel": 9}]},
     "x.json: layers[0].out_shape"),
    ({"input": [4], "layers": [{"kind": "reshape", "shape": [3]}]}, "x.json: layers[0].shape"),
    ({"input": [4], "extra": 1, "layers": [{"kind": "relu"}]}, "x.json: extra"),
])
def test_malformed_documents_name_the_field(tmp_path, doc, field):
    """A malformed layer list raises one DseInputError whose field names the file, layer index and key."""
    path = tmp_path / "x.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DseInputError) as err:
        load_layer_list(path)
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_syntax_errors(tmp_path):
    """Broken JSON/TOML syntax is a one-line input error."""
    for name, text in (("a.json", "{\"input\": [1,"), ("a.toml", "input = [1,\n[[layers]")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(DseInputError) as err:
            load_layer_list(path)
        assert err.value.field == name and "\n" not in str(err.value)


def test_cli_show_file(tmp_path):
    """`dse show FILE.toml` prints the inferred table; a malformed file exits 2 with one line on stderr."""
    toml, _ = doc_examples()
    good = tmp_path / "tiny.toml"
    good.write_text(toml)
    r = subprocess.run([sys.executable, "-m", "dse", "show", str(good), "--json"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["macs"] == 5_234_688 and len(data["layers"]) == 11
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"input": [4], "layers": [{"kind": "linear"}]}))
    r = subprocess.run([sys.executable, "-m", "dse", "show", str(bad)], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 2
    assert "layers[0].out_features" in r.stderr and "Traceback" not in r.stderr
