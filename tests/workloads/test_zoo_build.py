"""Every zoo entry builds with its defaults; names other families consume exist; bad params fail cleanly."""

from __future__ import annotations

import pytest

import workloads
from dse.errors import DseInputError, UnknownNameError
from workloads import zoo

#: names the HE, MPC, FPGA and ASIC families consume (issue 2 / helper brief); keep them stable
CONSUMED = ("resnet18-cifar", "resnet18-imagenet", "resnet20-cifar", "resnet32-cifar", "resnet50-imagenet",
            "wrn22-8-cifar", "lenet5", "alexnet", "alexnet-cifar", "vgg16", "vgg16-cifar", "mobilenetv2",
            "efficientnet-b0", "bert-base", "vit-b16", "stgcn-ntu", "stgcn3-256", "lstm-timit", "cryptonets",
            "mlp-orion", "lola", "lenet-orion")


def test_consumed_names_registered():
    """The names other families use are all in the registry."""
    assert set(CONSUMED) <= set(zoo.names())


@pytest.mark.parametrize("entry", zoo.entries(), ids=lambda e: e.name)
def test_every_entry_builds(entry):
    """Each entry builds with its defaults, records a source, and has consistent derived counts."""
    w = entry.build(**entry.defaults)
    assert entry.source
    assert len(w) > 0 and w.macs > 0 and w.params > 0
    assert all(min(l.out_shape) > 0 for l in w)
    for layer in w:
        if layer.kind in ("conv2d", "linear", "matmul", "attention"):
            assert sum(g.macs for g in layer.gemms()) == layer.macs, layer.name
    flat = w.flatten()
    assert (flat.macs, flat.params, flat.relus) == (w.macs, w.params, w.relus)
    assert not flat.of_kind("attention")


def test_spec_parameters_apply():
    """`name:key=value` parameters reach the builder (bert-base seq_len, lstm frames, st-gcn frames)."""
    assert workloads.load("bert-base:seq_len=64").input_shape == (64,)
    assert workloads.load("lstm-timit:frames=7").input_shape == (7, 153)
    assert workloads.load("stgcn-ntu:frames=64").input_shape == (3, 64, 25)
    assert workloads.load("stgcn-ntu:blocks=3,channels=64-128-256").of_kind("graphconv")[-1].out_channels == 256
    assert workloads.load("vgg16-cifar:act=poly,degree=2").relus == 0


@pytest.mark.parametrize("spec, field", [
    ("bert-base:seq_len=0", "workload bert-base.seq_len"),
    ("bert-base:seq_len=513", "workload bert-base.seq_len"),
    ("bert-base:heads=4", "workload bert-base.heads"),
    ("vgg16-cifar:act=swish", "workload vgg16-cifar.act"),
    ("stgcn-ntu:channels=64-128", "workload stgcn-ntu.channels"),
    ("wrn22-8-cifar:depth=23", "workload wrn22-8-cifar.depth"),
    ("lstm-timit:hidden=0", "workload lstm-timit.hidden"),
    ("vit-b16:image=100", "workload vit-b16.image"),
    ("mobilenetv2:width=x", "workload mobilenetv2.width"),
])
def test_bad_parameters_name_the_field(spec, field):
    """Out-of-range or unknown workload parameters raise DseInputError naming `workload NAME.key`."""
    with pytest.raises(DseInputError) as err:
        workloads.load(spec)
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_unknown_name_lists_entries():
    """An unknown workload name lists what exists."""
    with pytest.raises(UnknownNameError) as err:
        workloads.load("resnet-9000")
    assert "bert-base" in str(err.value)
