"""dse.registry.make_model (the one name -> model builder) and the workload-kind check in evaluate."""

from __future__ import annotations

import pytest

import workloads
from dse import DseInputError, make_model, models


def test_make_model_parses_text_params():
    """Text parameters are parsed by the model's Param (the CLI and study specs pass text)."""
    model = make_model("mpc", {"bandwidth": "1Gbps", "rtt": "5ms"})
    assert model.param("bandwidth") == pytest.approx(1e9 / 8)
    assert model.param("rtt") == pytest.approx(5e-3)


def test_make_model_rejects_unknown_param_with_field():
    """An unknown fixed parameter names `<field>.<key>` and lists the model's parameters."""
    with pytest.raises(DseInputError) as exc:
        make_model("mpc", {"no_such_param": 1}, field="params")
    assert exc.value.field == "params.no_such_param"
    assert models.get("mpc").params[0].name in str(exc.value)


class _Trace:
    kind = "he-trace"
    name = "a-trace"
    layers = ()


def test_evaluate_checks_workload_kind():
    """CostModel.evaluate itself rejects a workload kind the model does not accept (Python callers too)."""
    model = make_model("mpc")
    with pytest.raises(DseInputError) as exc:
        model.evaluate(_Trace(), {})
    assert "he-trace" in str(exc.value) and exc.value.field == "workload"


def test_evaluate_accepts_network_kind():
    """A network workload passes the kind check of a network model."""
    model = make_model("mpc")
    model.check_workload(workloads.load("lenet5"))
