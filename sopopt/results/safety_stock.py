"""The ``safety_stock`` plan table: every safety-stock target, how it was set, and how the
plan meets it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.model.inventory import PLAN_INVENTORY, PLAN_SAFETY_STOCK

COLUMNS = ("product", "site", "period", "method", "inputs", "hard", "target", "closing_stock", "shortfall")


def safety_stock_table(data: ModelData, plan: pd.DataFrame) -> pd.DataFrame:
    """One row per product, site and period with a positive target: the method (``units``
    for a plain series, else the policy), its inputs, the target, the plan's closing stock
    and the shortfall below the target (0 when met)."""
    rows = plan[plan[PLAN_SAFETY_STOCK.name] > 0]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("product", "site", "period", "method", "inputs")
                                          else float) for c in COLUMNS})
    keys = list(zip(rows["product"], rows["site"], strict=True))
    targets = data.safety_targets
    method = [targets[k].method if k in targets else "units" for k in keys]
    inputs = [targets[k].inputs if k in targets else "given in units" for k in keys]
    hard = [bool(data.items[k].safety_stock_hard) for k in keys]
    closing = rows[PLAN_INVENTORY.name].to_numpy(dtype=float)
    target = rows[PLAN_SAFETY_STOCK.name].to_numpy(dtype=float)
    return pd.DataFrame({
        "product": rows["product"].to_numpy(),
        "site": rows["site"].to_numpy(),
        "period": rows["period"].to_numpy(),
        "method": method,
        "inputs": inputs,
        "hard": hard,
        "target": target,
        "closing_stock": closing,
        "shortfall": np.maximum(target - closing, 0.0),
    })
