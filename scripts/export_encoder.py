"""Export the fine-tuned encoder of ``scripts/train_encoder.py`` to ONNX, then quantize it to int8.

The exported graph takes ``input_ids`` and ``attention_mask`` (int64, batch x pieces) and returns
``sentence`` (float32, batch x hidden): the mean of the last hidden states over the real pieces,
the vector the accurate tier's classifier reads. Needs the dev-only extra (torch)::

    python scripts/export_encoder.py --final build/encoder/final --output build/encoder/onnx \
        [--fuse] [--per-channel] [--exclude-layers 5]

Writes ``float.onnx`` (the reference), optionally ``fused.onnx`` (onnxruntime's transformer
optimizer: attention, layer-norm and GELU fusions), and ``int8.onnx`` (dynamic int8
quantization of the MatMul weights), and prints each file's size.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def export_float(final: Path, target: Path) -> None:
    """Write the encoder with mean pooling as an ONNX graph (opset 17, dynamic batch and length)."""
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(final))
    encoder.eval()

    class _Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    ids = torch.ones((2, 8), dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    torch.onnx.export(_Pooled(), (ids, mask), str(target), input_names=["input_ids",
                                                                         "attention_mask"],
                      output_names=["sentence"], opset_version=17, dynamo=False,
                      dynamic_axes={"input_ids": {0: "batch", 1: "pieces"},
                                    "attention_mask": {0: "batch", 1: "pieces"},
                                    "sentence": {0: "batch"}})


def fuse(source: Path, target: Path, heads: int, hidden: int) -> None:
    """onnxruntime's transformer optimizer for BERT graphs (fusions, no precision change)."""
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(str(source), model_type="bert", num_heads=heads,
                                     hidden_size=hidden, opt_level=1)
    model.save_model_to_file(str(target))


def quantize(source: Path, target: Path, *, per_channel: bool, exclude: list[str]) -> None:
    """Dynamic int8 quantization of the MatMul weights (activations quantized at run time)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # fused graphs hold com.microsoft ops whose outputs shape inference cannot type
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8,
                     per_channel=per_channel, op_types_to_quantize=["MatMul"],
                     nodes_to_exclude=exclude,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def layer_nodes(model: Path, layers: list[int]) -> list[str]:
    """The MatMul node names of the given encoder layers (to keep them in float)."""
    import onnx

    graph = onnx.load(str(model)).graph
    wanted = [f"layer.{i}/" for i in layers] + [f"layer.{i}." for i in layers]
    return [n.name for n in graph.node if n.op_type in ("MatMul", "FusedMatMul")
            and any(w in n.name for w in wanted)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--final", type=Path, default=REPO / "build" / "encoder" / "final")
    parser.add_argument("--output", type=Path, default=REPO / "build" / "encoder" / "onnx")
    parser.add_argument("--fuse", action="store_true")
    parser.add_argument("--per-channel", action="store_true")
    parser.add_argument("--exclude-layers", type=int, nargs="*", default=[])
    parser.add_argument("--int8-name", default="int8.onnx")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    config = json.loads((args.final / "config.json").read_text(encoding="utf-8"))
    source = args.output / "float.onnx"
    if not source.is_file():
        export_float(args.final, source)
    if args.fuse:
        fused = args.output / "fused.onnx"
        fuse(source, fused, config["num_attention_heads"], config["hidden_size"])
        source = fused
    exclude = layer_nodes(source, args.exclude_layers) if args.exclude_layers else []
    quantize(source, args.output / args.int8_name, per_channel=args.per_channel,
             exclude=exclude)
    for path in sorted(args.output.glob("*.onnx")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    print(f"kept in float: {len(exclude)} MatMul nodes", file=sys.stderr)


if __name__ == "__main__":
    main()
