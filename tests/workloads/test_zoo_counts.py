"""Zoo parameter, MAC and ReLU counts against published figures (source named per test)."""

from __future__ import annotations

import pytest

import workloads
from workloads.zoo.gcn import ntu_adjacency


def gmacs(name: str) -> float:
    return round(workloads.load(name).macs / 1e9, 2)


# -- ReLU counts: [AutoReP23, code models_snl/] (forward hooks on the SNL/AutoReP model files) -------

@pytest.mark.parametrize("spec, relus", [
    ("resnet18-cifar", 557_056),
    ("resnet18-cifar:stem_relu=false", 491_520),
    ("resnet18-cifar:image=64,classes=200", 2_228_224),
    ("resnet18-cifar:image=64,classes=200,stem_relu=false", 1_966_080),
    ("wrn22-8-cifar", 1_359_872),
    ("wrn22-8-cifar:image=64,classes=200", 5_439_488),
])
def test_relu_counts_mpc_reference(spec, relus):
    """ReLU counts of [AutoReP23, code models_snl/]: ResNet18_IN (CIFAR 491,520 / Tiny-ImageNet 1,966,080, plus the stem
    ReLU: 557,056 / 2,228,224) and WideResNet-22-8 (1,359,872 / 5,439,488)."""
    assert workloads.load(spec).relus == relus


def test_wrn22_8_params_paper():
    """Zagoruyko & Komodakis, BMVC 2016, Table 1/3: WRN-22-8 has 17.2M parameters."""
    assert round(workloads.load("wrn22-8-cifar").params / 1e6, 1) == 17.2


# -- torchvision model cards (params exact; "GFLOPS" there are multiply-accumulates) ------------

@pytest.mark.parametrize("name, params, gflops", [
    ("resnet18-imagenet", 11_689_512, 1.81),
    ("resnet50-imagenet", 25_557_032, 4.09),
    ("alexnet", 61_100_840, 0.71),
    ("vgg16", 138_357_544, 15.47),
    ("mobilenetv2", 3_504_872, 0.30),
    ("efficientnet-b0", 5_288_548, 0.39),
    ("vit-b16", 86_567_656, 17.56),
])
def test_torchvision_model_cards(name, params, gflops):
    """torchvision.models documentation tables (ImageNet weights: "Params" and "GFLOPS"):
    resnet18 11.7M/1.81, resnet50 25.6M/4.09, alexnet 61.1M/0.71, vgg16 138.4M/15.47,
    mobilenet_v2 3.5M/0.30, efficientnet_b0 5.3M/0.39, vit_b_16 86.6M/17.56; exact parameter counts
    as `sum(p.numel() for p in model.parameters())` of those models."""
    w = workloads.load(name)
    assert w.params == params
    assert gmacs(name) == gflops


def test_bert_base_huggingface_params():
    """Devlin et al. 2019 "110M"; Hugging Face bert-base-uncased BertModel: 109,482,240 parameters with
    the pooler, 108,891,648 without (embeddings 23,837,184 + 12 x 7,087,872 encoder layers)."""
    assert workloads.load("bert-base").params == 109_482_240
    assert workloads.load("bert-base:pooler=false").params == 108_891_648


def test_bert_base_macs_scale_with_sequence_length():
    """Per encoder layer MACs = 12·T·D² + 2·T²·D (4 projections + 2 FFN matrices of D x 4D, and QKᵀ, AV);
    Devlin et al. shapes D=768, FFN 3072: 931,135,488 per layer at T=128."""
    w = workloads.load("bert-base:pooler=false")
    per_layer = sum(l.macs for l in w if l.group == "encoder0")
    assert per_layer == 12 * 128 * 768**2 + 2 * 128**2 * 768 == 931_135_488
    assert {l.group for l in w if l.group.startswith("encoder")} == {f"encoder{i}" for i in range(12)}
    w512 = workloads.load("bert-base:seq_len=512,layers=2,pooler=false")
    assert sum(l.macs for l in w512 if l.group == "encoder1") == 12 * 512 * 768**2 + 2 * 512**2 * 768


def test_lenet5_params():
    """LeNet-5 (LeCun et al. 1998, Fig. 2) with a fully connected C3 and linear output: 61,706 parameters
    (156 + 2,416 + 48,120 + 10,164 + 850), the d2l.ai §7.6 torch LeNet count; 416,520 MACs."""
    w = workloads.load("lenet5")
    assert w.params == 61_706
    assert w.macs == 117_600 + 240_000 + 48_000 + 10_080 + 840


def test_cryptonets_shapes_paper():
    """Gilad-Bachrach et al. ICML 2016 Sec. 4.1: the convolution maps the 29x29 padded image to
    5 x 13 x 13 = 845 values, followed by a 100-unit layer and 10 outputs, squares in between."""
    w = workloads.load("cryptonets")
    assert w.layer("conv").out_shape == (5, 13, 13)
    assert [l.out_shape for l in w.of_kind("linear")] == [(100,), (10,)]
    assert [l.degree for l in w.of_kind("activation")] == [2, 2]
    assert w.relus == 0


def test_stgcn_cryptogcn_released_shapes():
    """[CryptoGCN22] (CryptoGCN native/examples/params): gcn conv weight rows 192/384/768 = 3·C_out,
    A.txt 75x25 = 3 partitions x 25 joints, FC 256->60, and the final feature map 2x256x75x25
    (persons x channels x frames x joints) from 300 input frames."""
    w = workloads.load("stgcn-ntu")
    gcns = w.of_kind("graphconv")
    assert [3 * g.out_channels for g in gcns] == [192, 192, 384, 384, 768, 768]
    assert ntu_adjacency().dense().reshape(75, 25).shape == (75, 25)
    assert gcns[-1].out_shape == (256, 75, 25) and w.info("persons") == 2
    assert w.output_shape == (60,)


def test_stgcn3_256_lingcn_shapes():
    """[LinGCN23] (LinGCN Model_3layers_2): st_gcn 3->128, 128->256 (temporal stride 2), 256->256,
    temporal kernel 9, 3 partitions, 256 frames, FC 256->60; 3 blocks x 2 activation sites x 25 nodes =
    150 gates in the shipped log."""
    w = workloads.load("stgcn3-256")
    gcns = w.of_kind("graphconv")
    assert [(g.in_shape[0], g.out_channels) for g in gcns] == [(3, 128), (128, 256), (256, 256)]
    assert [c.kernel for c in w.of_kind("conv2d") if c.name.endswith("tcn")] == [(9, 1)] * 3
    assert gcns[-1].out_shape == (256, 128, 25) and w.input_shape == (3, 256, 25)
    sites = [a for a in w.of_kind("activation")]
    assert len(sites) * w.input_shape[2] == 150


def test_ntu_spatial_partitions():
    """ST-GCN spatial strategy (Yan et al. AAAI 2018 Sec. 3.6) on the 24-bone NTU tree centred on joint 21:
    25 self loops, 24 centripetal and 24 centrifugal entries."""
    a = ntu_adjacency()
    assert [len(p) for p in a.partitions] == [25, 24, 24]
    closer = {(d, s) for d, s in a.partitions[1]}
    farther = {(d, s) for d, s in a.partitions[2]}
    assert {(s, d) for d, s in closer} == farther  # each bone once in each direction


def test_orion_models_against_torch_definitions():
    """baahl-nyu/orion orion/models/{mlp,lola,lenet,alexnet}.py rebuilt with torch.nn (same layer shapes):
    the parameter counts agree (Orion's on.Linear/Conv2d/BatchNorm have torch's parameters)."""
    nn = pytest.importorskip("torch.nn", reason="torch not installed")

    def count(m):
        return sum(p.numel() for p in m.parameters())

    mlp = nn.Sequential(nn.Linear(784, 128), nn.BatchNorm1d(128), nn.Linear(128, 128), nn.BatchNorm1d(128),
                        nn.Linear(128, 10))
    lola = nn.Sequential(nn.Conv2d(1, 5, 2, stride=2), nn.BatchNorm2d(5), nn.Linear(980, 100), nn.BatchNorm1d(100),
                         nn.Linear(100, 10))
    lenet = nn.Sequential(nn.Conv2d(1, 32, 5, 2, 2), nn.BatchNorm2d(32), nn.Conv2d(32, 64, 5, 2, 2),
                          nn.BatchNorm2d(64), nn.Linear(3136, 512), nn.BatchNorm1d(512), nn.Linear(512, 10))
    convs = [nn.Conv2d(a, b, 3, 1, 1, bias=False) for a, b in ((3, 64), (64, 192), (192, 384), (384, 256), (256, 256))]
    alex = nn.Sequential(*convs, *[nn.BatchNorm2d(c) for c in (64, 192, 384, 256, 256)], nn.Linear(1024, 4096),
                         nn.BatchNorm1d(4096), nn.Linear(4096, 4096), nn.BatchNorm1d(4096), nn.Linear(4096, 10))
    for name, ref in (("mlp-orion", mlp), ("lola", lola), ("lenet-orion", lenet), ("alexnet-cifar", alex)):
        assert workloads.load(name).params == count(ref), name
    assert workloads.load("alexnet-cifar").layer("adaptive_avgpool").out_shape == (256, 2, 2)
    assert {a.degree for a in workloads.load("alexnet-cifar").of_kind("activation")} == {127}


def test_lstm_timit_params_torch_lstmp():
    """torch.nn.LSTM(153, 1024, num_layers=2, proj_size=512) parameter count (PyTorch LSTMP convention)
    plus the 3·H peephole weights per layer of Sak et al. 2014."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    ref = sum(p.numel() for p in torch.nn.LSTM(153, 1024, num_layers=2, proj_size=512).parameters())
    assert workloads.load("lstm-timit:peephole=false").params == ref
    assert workloads.load("lstm-timit").params == ref + 2 * 3 * 1024
    w = workloads.load("lstm-timit:frames=100")
    assert w.output_shape == (100, 512)
    assert w.macs == 100 * (4 * (153 + 512) * 1024 + 1024 * 512 + 3 * 1024 + 4 * (512 + 512) * 1024 + 1024 * 512
                            + 3 * 1024)


def test_vgg16_cifar_relus():
    """SNL/AutoReP VGG(depth=16) on 32x32: ReLU layers 2x64x32², 2x128x16², 3x256x8², 3x512x4², 3x512x2²
    = 276,480 ReLUs (derived from the model definition)."""
    assert workloads.load("vgg16-cifar").relus == 2 * 64 * 1024 + 2 * 128 * 256 + 3 * 256 * 64 + 3 * 512 * 16 \
        + 3 * 512 * 4 == 276_480
