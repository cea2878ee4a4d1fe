"""Export the fine-tuned encoder of ``scripts/train_encoder.py`` to ONNX, then quantize it to int8.

The exported graph takes ``input_ids`` and ``attention_mask`` (int64, batch x pieces) and returns
``sentence`` (float32, batch x hidden): the mean of the last hidden states over the real pieces,
the vector the accurate tier's classifier reads. Needs the dev-only extra (torch)::

    python scripts/export_encoder.py --final build/encoder/final --output build/encoder/onnx \
        [--fuse]

Writes ``float.onnx`` (the reference), optionally ``fused.onnx`` (onnxruntime's transformer
optimizer: attention, layer-norm and GELU fusions; measured, not shipped: it was no faster
here), and ``int8.onnx`` (see :func:`quantize`), and prints each file's size.
"""

from __future__ import annotations

import argparse
import json
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


def quantize(source: Path, target: Path, *, block: int = 32) -> None:
    """8-bit weights whose products quantize each row of activations on its own.

    ``quantize_dynamic`` (QInt8 MatMul) quantizes the activations of a whole batch with one
    scale, so a text's vector depends on its batch-mates, and it agreed with the float model
    on only 92-95% of labels. ``MatMulNBits`` (8 bits, blocks of ``block``, symmetric,
    accuracy level 4) keeps each row apart; the embedding table is then stored as int8
    (``Gather``: weights only, dequantized on lookup), which brings the file under 30 MB.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(onnx.load(str(source)), bits=8, block_size=block,
                                     is_symmetric=True, accuracy_level=4,
                                     op_types_to_quantize=("MatMul",),
                                     quant_axes=(("MatMul", 0),))
    quantizer.process()
    middle = target.with_suffix(".nbits.onnx")
    quantizer.model.save_model_to_file(str(middle), use_external_data_format=False)
    quantize_dynamic(str(middle), str(target), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["Gather"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    middle.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--final", type=Path, default=REPO / "build" / "encoder" / "final")
    parser.add_argument("--output", type=Path, default=REPO / "build" / "encoder" / "onnx")
    parser.add_argument("--fuse", action="store_true")
    parser.add_argument("--block", type=int, default=32)
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
    quantize(source, args.output / args.int8_name, block=args.block)
    for path in sorted(args.output.glob("*.onnx")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
