"""Limits on what an input file may make sopopt do, documented in docs/format.md.

They keep a hostile or broken file from exhausting the machine, and sit far above what
real models need: ``sopopt generate --variables 1e6`` writes a 0.45 MB model file nested
5 levels deep whose aliases add about 60 values, and a 0.5 MB demand table.
"""

from __future__ import annotations

#: Largest YAML file read, in bytes.
MAX_YAML_BYTES = 64 * 2**20
#: Largest table (CSV file or workbook file) read, in bytes.
MAX_TABLE_BYTES = 256 * 2**20
#: Largest unpacked content of a workbook (an ``.xlsx`` is a zip archive), in bytes.
MAX_WORKBOOK_UNPACKED = 1024 * 2**20
#: Deepest nesting of mappings and lists in a YAML file.
MAX_DEPTH = 64
#: Most values that aliases (``*name``, merge keys included) may add to one YAML file.
MAX_ALIAS_NODES = 1_000_000


def size_text(size: int) -> str:
    """A byte count as people read it: ``64 MiB``, ``4 KiB``, ``512 bytes``."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"
