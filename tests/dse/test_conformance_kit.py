"""The reusable conformance class runs exactly the kit's check list (no drift between the two)."""

from __future__ import annotations

from dse.testing import CHECKS, CostModelConformance


def test_conformance_class_has_a_test_per_check():
    """CostModelConformance has a test_<name> method for every entry of dse.testing.CHECKS, and no other."""
    methods = {m[len("test_"):] for m in dir(CostModelConformance) if m.startswith("test_")}
    assert methods == set(CHECKS)


class TestToyModelThroughTheClass(CostModelConformance):
    """The class form of the kit passes on the engine's toy model (registered for this test only)."""

    model_name = "toy"

    @classmethod
    def setup_class(cls):
        from dse import models
        from tests.dse.toy_model import ToyModel

        models.register("toy", ToyModel)

    @classmethod
    def teardown_class(cls):
        from dse import models

        models.unregister("toy")
