"""Every constant names its primary source, and every source is inside the repository.

Pins issue 15 ("sources inside the repository"): each row of each data file and each preset has a
non-empty ``source``; every bibliography key cited anywhere (``[Cheetah22, Table 5]``) is an entry
of ``docs/references.md``; no file points outside the repository (the retired reading-aid
notes or the folder that held them, see ``_OUTSIDE``).
Also pins :func:`dse.datafiles.load_csv`'s refusals.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from dse.datafiles import load_csv, load_toml
from dse.errors import DseInputError

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()


def _data(ext: str) -> list[Path]:
    """Family data files (any depth under costmodels/<family>/data) and workload data files."""
    family = sorted(ROOT.glob(f"costmodels/*/data/**/*.{ext}"))
    return family + sorted(ROOT.glob(f"workloads/**/*.{ext}"))


DATA_CSV, DATA_TOML, DATA_JSON = _data("csv"), _data("toml"), _data("json")

#: a bracket whose first item looks like a citation: "[Key]", "[Key, Table 5]", "[A21; B22, code x]"
_BRACKET = re.compile(r"(?<![\w\]\)])\[([^\[\]\n]+)\]")
_KEY_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9.+-]*$")
#: the shape of a key (capital letter ... two-digit year): a bracket of this shape must be a key
_KEY_SHAPE = re.compile(r"^[A-Z][A-Za-z0-9+-]*[A-Za-z+-]\d{2}$|^[A-Z][A-Za-z+]*\d{2}$")
#: references to files outside the repository (the retired reading-aid notes and their folder);
#: the patterns are assembled so that this file does not itself match a naive search for them
_PARENT = "." + "./" + "sha" + "red"
_OUTSIDE = re.compile(r"/work/|" + re.escape(_PARENT) + r"|sha" + r"red/refer" + r"ence|refer" + r"ence[ _]sheet"
                      r"|(?<![\w/.-])(?:hw|mpc|he)\.md\s*(?:§|s\d|\d)")


_SKIP_DIRS = {".git", ".venv", "build", "dist", "node_modules", "__pycache__", "out"}


def _repo_files(*patterns: str) -> list[Path]:
    """Tracked files matching git pathspecs; without git, the tree minus venvs and outputs."""
    try:
        out = subprocess.run(["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        return [ROOT / p for p in out.stdout.split()]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for path in ROOT.rglob("*"):
            rel = path.relative_to(ROOT)
            if any(part in _SKIP_DIRS or part.startswith(".venv") or part.endswith(".egg-info")
                   for part in rel.parts[:-1]):
                continue
            if path.is_file() and any(rel.match(p) for p in patterns):
                found.append(path)
        return found


def _bibliography() -> set[str]:
    """Keys of docs/references.md: the first cell of each table row."""
    keys = set()
    for line in (ROOT / "docs" / "references.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*([A-Za-z][A-Za-z0-9.+-]*)\s*\|", line)
        if m and m.group(1) != "Key":
            keys.add(m.group(1))
    return keys


def cited_keys(text: str, known: set[str]) -> set[str]:
    """Keys cited in ``text``: known keys, plus unknown tokens that have a key's shape."""
    found = set()
    for m in _BRACKET.finditer(text):
        for part in m.group(1).split(";"):
            token = part.split(",")[0].strip()
            if _KEY_TOKEN.match(token) and (token in known or _KEY_SHAPE.match(token)):
                found.add(token)
    return found


# -- data files --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DATA_CSV, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_csv_row_has_a_source(path):
    """Each data CSV has a ``source`` column that is non-blank in every row."""
    rows = load_csv(path, required=("source",))
    assert rows, f"{path} has no rows"


@pytest.mark.parametrize("path", DATA_TOML, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_toml_table_has_a_source(path):
    """Each top-level table of a data TOML has a source text, its own or the file's; none blank."""
    data = load_toml(path)
    assert data, f"{path.name} is empty"
    tables = {"<top level>": {k: v for k, v in data.items() if not isinstance(v, dict)}}
    tables.update({name: t for name, t in data.items() if isinstance(t, dict)})
    file_level = _sources(tables["<top level>"])
    for name, table in tables.items():
        sources = _sources(table)
        if name == "<top level>" and not table:
            continue
        assert sources or file_level, f"{path.name}: table [{name}] has no source"
        for k, v in sources.items():
            assert isinstance(v, str) and v.strip(), f"{path.name}: [{name}] {k} is empty"


def _sources(table: dict) -> dict:
    return {k: v for k, v in table.items() if k == "source" or k.endswith("_source")}


@pytest.mark.parametrize("path", DATA_JSON, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_json_profile_has_a_source(path):
    """Each shipped device-profile JSON names where its numbers were measured."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert str(data.get("source", "")).strip(), f"{path.name} has no source"


def test_data_file_lists_are_not_empty():
    """The globs above find the family data files (a moved data folder must not silently pass)."""
    assert len(DATA_CSV) >= 10 and len(DATA_TOML) >= 5 and DATA_JSON


# -- presets -----------------------------------------------------------------------------------

def _preset_sources():
    """(preset name, source) for every preset the families and the workload zoo expose."""
    from costmodels.cim import presets as cim
    from costmodels.fpga import presets as fpga
    from costmodels.he import presets as he
    from costmodels.he_multigpu import presets as mg
    from costmodels.mpc import presets as mpc
    from dse import kernels
    from workloads import zoo

    out = [(f"fpga board {b.name}", b.source) for b in fpga.boards()]
    out += [(f"fpga baseline {b.name}", b.source) for b in fpga.baselines()]
    out += [(f"mpc network {n}", mpc.network(n).source) for n in mpc.NETWORKS]
    out += [(f"mpc fpga board {k}", v["source"]) for k, v in mpc.boards().items()]
    out += [(f"he profile {n}", he.get_profile(n).source) for n in he.builtin_names()]
    out += [(f"he bootstrap {k}", v["source"]) for k, v in he.bootstrap_rows().items()]
    out += [(f"he-multigpu gpu {k}", mg.gpu(k).source) for k in mg.gpu_names()]
    out += [(f"he-multigpu link {k}", mg.link(k).source) for k in mg.link_names()]
    out.append(("he-multigpu ckks defaults", mg.ckks_defaults().source))
    out += [(f"cim constant {k}", v[2]) for k, v in cim.constants().items()]
    out += [(f"cim device {k}", d.source) for k, d in cim.DEVICES.items()]
    out += [(f"zoo {e.name}", e.source) for e in zoo.entries()]
    out += [(f"kernel {n}", kernels.get(n).source) for n in kernels.names()]
    return out


def test_every_preset_has_a_source():
    """Boards, baselines, networks, HE profiles, GPUs, links, CiM constants, zoo, kernels."""
    presets = _preset_sources()
    missing = [name for name, src in presets if not str(src or "").strip()]
    assert len(presets) > 100 and not missing, f"presets without a source: {missing}"


# -- citations ---------------------------------------------------------------------------------

def test_bibliography_parses():
    """docs/references.md holds the keys the brief names, each once."""
    text = (ROOT / "docs" / "references.md").read_text(encoding="utf-8")
    keys = _bibliography()
    row = re.compile(r"^\|\s*([A-Za-z][A-Za-z0-9.+-]*)\s*\|", re.M)
    rows = [m.group(1) for m in row.finditer(text) if m.group(1) != "Key"]
    assert len(rows) == len(set(rows)), "duplicate key in docs/references.md"
    assert {"Cheetah22", "CrypTFlow2-20", "ScaleSim3", "HEStandard18", "Horowitz14"} <= keys


def test_cited_keys_scanner():
    """The scanner finds keys after ';', skips code subscripts, flags unknown key-shaped tokens."""
    known = {"Cheetah22", "CrypTen21"}
    text = ("x [Cheetah22, Table 5] y [CrypTen21; crypten 0.4.1, measured] a[i] [Nobody99]"
            " [tool.ruff] [V]")
    assert cited_keys(text, known) == {"Cheetah22", "CrypTen21", "Nobody99"}


def test_every_cited_key_is_in_the_bibliography():
    """Every ``[Key...]`` cited in a tracked py/md/toml/csv/json/sh file is in the bibliography."""
    known = _bibliography()
    unknown: dict[str, list[str]] = {}
    for path in _repo_files("*.py", "*.md", "*.toml", "*.csv", "*.json", "*.sh"):
        if path == THIS or not path.is_file():
            continue
        for key in cited_keys(path.read_text(encoding="utf-8", errors="replace"), known) - known:
            unknown.setdefault(key, []).append(str(path.relative_to(ROOT)))
    assert not unknown, f"keys missing from docs/references.md: {unknown}"


def test_no_file_refers_outside_the_repository():
    """No tracked text file cites the retired reading-aid notes, machine paths or their folder."""
    hits = []
    patterns = ("*.py", "*.md", "*.toml", "*.csv", "*.json", "*.sh", "*.txt", "*.cfg", "*.yaml",
                ".ci/*")
    for path in _repo_files(*patterns):
        if path == THIS or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            if _OUTSIDE.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not hits, "references outside the repository:\n" + "\n".join(hits)


def test_outside_pattern_keeps_the_projects_own_docs():
    """docs/he.md links are the project's own guide; a section of a retired note is not."""
    assert not _OUTSIDE.search("see docs/he.md and (he.md#levels)")
    for cited in ("(he.md " + "§4)", "hw.md 1.5", "mpc.md s2.1", "/work/" + "x/y", "refer" + "ence sheet",
                  _PARENT + "/x"):
        assert _OUTSIDE.search(cited), cited


# -- the loader --------------------------------------------------------------------------------

def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_csv_reads_rows_in_order(tmp_path):
    """Rows come back as string dicts in file order, quoted commas kept."""
    rows = load_csv(_write(tmp_path, 'name,value,source\na,1,"X, Table 2"\nb,2,Y\n'))
    assert rows == [{"name": "a", "value": "1", "source": "X, Table 2"},
                    {"name": "b", "value": "2", "source": "Y"}]


@pytest.mark.parametrize("text, field", [
    ("name,value\na,1\n", "t.csv, header"),
    ("name,value,source\na,1,X\nb,2,  \n", "t.csv, row 3, column source"),
    ("name,value,source\na,1\n", "t.csv, row 2, column source"),
    ("name,value,source\na,1,X,extra\n", "t.csv, row 2"),
])
def test_load_csv_refuses_missing_or_empty_source(tmp_path, text, field):
    """Missing column, blank value or ragged row: one-line DseInputError: file, row, column."""
    with pytest.raises(DseInputError) as err:
        load_csv(_write(tmp_path, text))
    assert err.value.field == field and "\n" not in str(err.value)


def test_load_csv_other_required_columns(tmp_path):
    """``required`` names the columns checked; an empty tuple checks none."""
    path = _write(tmp_path, "name,value,source\n,1,X\n")
    assert load_csv(path, required=()) == [{"name": "", "value": "1", "source": "X"}]
    with pytest.raises(DseInputError, match="column name"):
        load_csv(path, required=("name", "source"))
