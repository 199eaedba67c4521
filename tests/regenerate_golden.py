"""Regenerate the golden LP file tests/data/lp/mini.lp after an intended model change.

Run ``python tests/regenerate_golden.py`` from the checkout root and review the diff;
the golden test itself never writes the file (it fails if asked to).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "data" / "mini.yaml"
GOLDEN = ROOT / "tests" / "data" / "lp" / "mini.lp"


def golden_lp_text() -> str:
    """The LP file of the mini model, with symbolic names."""
    import sopopt

    model = sopopt.build_model(sopopt.load_case(MODEL).data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.lp"
        model.write(str(path), format="lp", io_options={"symbolic_solver_labels": True})
        return path.read_text()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    GOLDEN.write_text(golden_lp_text())
    print(f"wrote {GOLDEN.relative_to(ROOT)}")  # noqa: T201
