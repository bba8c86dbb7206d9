"""Physical domains of every registered model's knobs and parameters, fed their boundary values."""

from __future__ import annotations

import pytest

from dse import get_model, models
from dse.domains import check_domains
from dse.errors import DseInputError, UnavailableError
from dse.model import Param


def _available() -> list[str]:
    out = []
    for name in models.names():
        try:
            models.get(name)
        except UnavailableError:
            continue
        out.append(name)
    return out


@pytest.mark.parametrize("name", _available())
def test_model_domains_accept_their_bounds_and_reject_just_beyond(name):
    """Each knob and parameter accepts its bounds and rejects the nearest value outside, NaN and
    infinities, given as numbers (Python) or text (CLI, spec files), with a one-line error naming it."""
    cls = models.get(name)
    assert check_domains(cls) > len(cls.space)


def test_check_domains_catches_an_unchecked_parameter():
    """A parameter that declares bandwidth > 0 but lets a negative value through fails the check."""
    from dse.model import CostModel

    class LeakyParam(Param):
        def coerce(self, value):  # the declared domain is never enforced
            return float(value)

    class Leaky(CostModel):
        name = "leaky"
        params = (LeakyParam("bandwidth", 1.0, "link bandwidth", unit="B/s", gt=0),)

    class Declared(CostModel):
        name = "declared"
        params = (Param("bandwidth", 1.0, "link bandwidth", unit="B/s", gt=0),)

    assert check_domains(Declared) > 0
    with pytest.raises(AssertionError, match="bandwidth"):
        check_domains(Leaky)


@pytest.mark.parametrize("name", _available())
def test_every_numeric_parameter_declares_a_domain(name):
    """No parameter passes input through unchecked: a numeric default means a declared domain."""
    for p in models.get(name).params:
        numeric_default = isinstance(p.default, (int, float)) and not isinstance(p.default, bool)
        assert p.choices or p.numeric or p.parse is not None, f"{name}.{p.name}: no domain, no parser"
        if numeric_default:
            assert p.numeric, f"{name}.{p.name}: numeric default {p.default!r} without a declared domain"


def test_param_domain_text_names_unit_and_conversion():
    """A B/s parameter's error suggests 400MB/s or 3.2Gbps and states 1 Gbps = 125 MB/s."""
    p = Param("bandwidth", 125e6, unit="B/s", gt=0)
    with pytest.raises(DseInputError) as err:
        p.coerce("-400Mbps")
    assert "bandwidth: got '-400Mbps'" in str(err.value)
    assert "> 0" in str(err.value) and "400MB/s" in str(err.value) and "1 Gbps = 125 MB/s" in str(err.value)


def test_param_special_value_accepted_outside_bounds():
    """A special value (0 = the preset) is accepted although the bounds exclude it; its neighbours are not."""
    p = Param("bits", 0, integer=True, ge=8, le=64, special=(0,))
    assert p.coerce("0") == 0 and p.coerce(8.0) == 8 and isinstance(p.coerce("64"), int)
    for bad in ("1", "7", "65", "8.5", "-0.5"):
        with pytest.raises(DseInputError):
            p.coerce(bad)


def test_get_model_checks_parameters_at_construction():
    """get_model (the Python boundary) rejects a negative bandwidth before any evaluation."""
    with pytest.raises(DseInputError, match="bandwidth"):
        get_model("mpc", bandwidth=-50e6)
    assert get_model("mpc", bandwidth=50e6).param("bandwidth") == 50e6
