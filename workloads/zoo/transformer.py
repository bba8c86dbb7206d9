"""Transformer encoders: BERT-base (parameterised by sequence length) and ViT-B/16.

Each encoder layer is built inside ``scope(f"encoder{i}")``, so its layers carry the group label
``encoder{i}`` (an FPGA pipeline maps one group per stage). The attention block is the fused
:class:`~workloads.ir.Attention` layer (``Workload.flatten()`` expands it into projections,
score/AV matmuls and the softmax).

* ``bert-base``: Devlin et al., NAACL 2019 (L=12, H=768, A=12, FFN 3072, vocabulary 30,522,
  512 positions, 2 segment types, GELU, post-LayerNorm). With the pooler the parameter count is
  109,482,240, Hugging Face ``BertModel.from_pretrained("bert-base-uncased")`` (the "110M" of the
  paper); without it 108,891,648.
* ``vit-b16``: Dosovitskiy et al., ICLR 2021, Table 1 (ViT-Base: 12 layers, width 768, MLP 3072,
  12 heads, 16x16 patches, pre-LayerNorm); torchvision ``vit_b_16`` model card: 86,567,656 params,
  17.56 GFLOPS (MACs).
"""

from __future__ import annotations

from ..graph import Tensor, Workload, WorkloadBuilder
from . import register
from .common import require


def encoder_layer(b: WorkloadBuilder, x: Tensor, heads: int, ffn: int, pre_norm: bool) -> Tensor:
    """One transformer encoder layer (attention + MLP, each with a residual and a LayerNorm)."""
    d = x.shape[-1]
    if pre_norm:  # ViT: x + MHA(LN(x)); x + MLP(LN(x))
        x = b.add(x, b.attention(b.norm(x, "layer", name="ln1"), heads, name="attn"), name="residual1")
        y = b.act(b.linear(b.norm(x, "layer", name="ln2"), ffn, name="fc1"), "gelu")
        return b.add(x, b.linear(y, d, name="fc2"), name="residual2")
    # BERT: LN(x + MHA(x)); LN(x + FFN(x))
    x = b.norm(b.add(x, b.attention(x, heads, name="attn"), name="residual1"), "layer", name="ln1")
    y = b.act(b.linear(x, ffn, name="fc1"), "gelu")
    return b.norm(b.add(x, b.linear(y, d, name="fc2"), name="residual2"), "layer", name="ln2")


@register("bert-base", source="Devlin et al. NAACL 2019 (L=12, H=768, A=12); HF bert-base-uncased "
                              "BertModel 109,482,240 params", seq_len=128, layers=12, pooler=True)
def bert_base(seq_len: int, layers: int, pooler: bool) -> Workload:
    """BERT-base encoder on ``seq_len`` tokens (embeddings, ``layers`` encoder layers, pooler)."""
    require("bert-base", "seq_len", seq_len, 1 <= seq_len <= 512, "an integer in [1, 512] (BERT has 512 positions)")
    require("bert-base", "layers", layers, layers >= 1, "an integer >= 1")
    d, heads, ffn = 768, 12, 3072
    b = WorkloadBuilder("bert-base", (seq_len,), task="nlp", seq_len=seq_len)
    with b.scope("embeddings"):
        tok = b.embedding(b.input, 30522, d, name="word")
        pos = b.embedding(b.input, 512, d, name="position")   # position ids: same (T,) shape
        seg = b.embedding(b.input, 2, d, name="token_type")    # segment ids: same (T,) shape
        x = b.norm(b.add(b.add(tok, pos), seg), "layer", name="ln")
    for i in range(layers):
        with b.scope(f"encoder{i}"):
            x = encoder_layer(b, x, heads, ffn, pre_norm=False)
    if pooler:
        with b.scope("pooler"):
            cls = b.slice(x, axis=0, start=0, length=1, name="cls")
            b.act(b.linear(cls, d, name="dense"), "tanh")
    return b.build()


@register("vit-b16", source="Dosovitskiy et al. ICLR 2021 Table 1 (ViT-Base/16); torchvision vit_b_16 "
                            "model card (86,567,656 params, 17.56 GFLOPS)", image=224, classes=1000, layers=12)
def vit_b16(image: int, classes: int, layers: int) -> Workload:
    """ViT-B/16 on a 3 x image x image input (196 patches + class token at 224)."""
    require("vit-b16", "image", image, image >= 16 and image % 16 == 0, "a multiple of 16")
    require("vit-b16", "layers", layers, layers >= 1, "an integer >= 1")
    d, heads, ffn, patch = 768, 12, 3072, 16
    n = (image // patch) ** 2
    b = WorkloadBuilder("vit-b16", (3, image, image), dataset="imagenet")
    with b.scope("embeddings"):
        x = b.conv2d(b.input, d, patch, stride=patch, bias=True, name="patch")
        x = b.reshape(x, (n, d), name="tokens")  # flatten(2) + transpose: (D, h, w) -> (N, D)
        x = b.concat([b.weight((1, d), "class_token"), x], axis=0, name="prepend_cls")
        x = b.add(x, b.weight((n + 1, d), "position_embedding"), name="position")
    for i in range(layers):
        with b.scope(f"encoder{i}"):
            x = encoder_layer(b, x, heads, ffn, pre_norm=True)
    x = b.norm(x, "layer", name="ln_final")
    b.linear(b.slice(x, axis=0, start=0, length=1, name="cls"), classes, name="head")
    return b.build()
