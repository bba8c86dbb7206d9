"""Constants of the crossbar family, loaded from ``data/constants.csv`` (every row has a source).

``constant("r_on")`` returns a float in SI units. :data:`DEVICES` is the Notre Dame NVCiM device
table (state-dependent variation factor ``s``), from ``YifanQin-ND/NeFT_CIM`` ``config.py`` and
``src/generate_noise.py`` [NeFT23, code src/generate_noise.py].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dse.datafiles import load_csv
from dse.errors import DseInputError, UnknownNameError

__all__ = ["DATA_DIR", "DEVICES", "Device", "constant", "constants", "device"]

DATA_DIR = Path(__file__).with_name("data")


@lru_cache(maxsize=1)
def constants() -> dict[str, tuple[float, str, str]]:
    """name -> (value, unit, source) for every row of ``data/constants.csv``."""
    out: dict[str, tuple[float, str, str]] = {}
    for row in load_csv(DATA_DIR / "constants.csv"):
        out[row["name"]] = (float(row["value"]), row["unit"], row["source"])
    return out


def constant(name: str) -> float:
    """The value of constant ``name`` (SI units unless the CSV says otherwise)."""
    table = constants()
    if name not in table:
        raise UnknownNameError("cim constant", name, list(table))
    return table[name][0]


@dataclass(frozen=True)
class Device:
    """An NVM device type of the Notre Dame variation model.

    ``s`` multiplies sigma for mid-range states (0.25 < |w|/max|W| < 0.75); every sigma is then
    divided by ``sqrt(0.4 s^2 + 0.6)`` so the mean variance stays sigma^2 when ~40% of the states
    are mid-range (NeFT_CIM ``generate_noise.py``; the same rule is ``set_four`` in the KPP code).
    """

    name: str
    s: float
    source: str = "[NeFT23, code YifanQin-ND/NeFT_CIM src/generate_noise.py, config.py] [V]"


DEVICES: dict[str, Device] = {d.name: d for d in (
    Device("RRAM1", 1.0), Device("FeFET2", 2.0), Device("RRAM4", 4.0), Device("FeFET6", 6.0))}


def device(name: str) -> Device:
    if name not in DEVICES:
        raise DseInputError("device", name, "one of " + ", ".join(DEVICES))
    return DEVICES[name]
