"""The building blocks of every schema model: the strict base, names, numbers and series."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr

#: Largest magnitude accepted in any numeric field: beyond it HiGHS loses exactness.
MAX_MAGNITUDE = 1e12

Number = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
"""A finite, non-negative number no larger than 1e12."""

Series = Number | list[Number] | dict[StrictStr, Number]
"""A number per period: one value, a list (one per period) or a mapping by period."""

Name = Annotated[StrictStr, Field(min_length=1)]


class Strict(BaseModel):
    """Base of every schema model: unknown fields are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)
