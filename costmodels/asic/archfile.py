"""Loading an accelerator architecture by preset name or file (engine TOML or ZigZag 3.x YAML).

Kept apart from :mod:`.arch` so the architecture types do not depend on the ZigZag reader (which
imports the mapping search): one import direction, arch <- zigzag_io <- archfile.
"""

from __future__ import annotations

from pathlib import Path

from dse.errors import DseInputError

from .arch import DATA, PRESETS, Arch, arch_from_dict
from .zigzag_io import read_zigzag_or_own_yaml

__all__ = ["load_arch"]


def load_arch(spec: str) -> Arch:
    """An architecture from a preset name (``tpu-like``...), an engine TOML file or a ZigZag YAML."""
    if spec in PRESETS:
        path = DATA / f"{spec}.toml"
    else:
        path = Path(spec)
        if not path.is_file():
            raise DseInputError("arch", spec, "a preset (" + ", ".join(PRESETS) + ") or an existing .toml/.yaml file")
    if path.suffix in (".yaml", ".yml"):
        return read_zigzag_or_own_yaml(path)
    if path.suffix != ".toml":
        raise DseInputError("arch", str(path), "a .toml (engine format) or .yaml (ZigZag 3.x or engine format) file")
    import tomllib

    try:
        d = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise DseInputError(str(path), "(not valid TOML)", "a TOML architecture file", detail=str(exc)) from None
    return arch_from_dict(d, str(path) if spec not in PRESETS else spec)
