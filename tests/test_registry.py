"""The registry: built-ins found by name, user classes registered by decorator, clashes refused."""

from __future__ import annotations

import pytest

import tinyframe
from tinyframe import registry
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Layer
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """Each test registers into its own copy; other test modules' classes stay registered."""
    monkeypatch.setattr(registry, "_CUSTOM", {})


def make_layer_class(name, module=__name__):
    return type(name, (Layer,), {"__module__": module, "__qualname__": name})


def test_built_ins_are_found_by_name_without_registration():
    assert registry.lookup("Dense", "layer") is Dense
    assert registry.lookup("Sigmoid", "layer") is Sigmoid
    assert registry.lookup("SquaredError", "loss") is SquaredError
    assert registry.lookup("GradientDescent", "optimizer") is GradientDescent
    assert registry.name_of(Dense(2, 3)) == "Dense"


def test_base_classes_and_helpers_are_not_loadable():
    assert "Layer" not in registry.builtins("layer") and "Activation" not in registry.builtins("layer")
    assert "get" not in registry.builtins("loss") and "Optimizer" not in registry.builtins("optimizer")


def test_register_makes_a_custom_class_loadable_and_returns_it():
    Scale = make_layer_class("Scale")
    assert tinyframe.register(Scale) is Scale
    assert registry.lookup("Scale", "layer") is Scale and registry.name_of(Scale()) == "Scale"


def test_register_with_a_name():
    Scale = make_layer_class("Scale")
    assert tinyframe.register(name="MyScale")(Scale) is Scale
    assert registry.lookup("MyScale", "layer") is Scale and registry.name_of(Scale()) == "MyScale"


def test_custom_losses_and_optimizers_register_too():
    @tinyframe.register
    class MyHuber(SquaredError):
        pass

    @tinyframe.register
    class Nesterov(GradientDescent):
        pass

    assert registry.lookup("MyHuber", "loss") is MyHuber and registry.lookup("Nesterov", "optimizer") is Nesterov


def test_a_built_in_name_is_refused():
    with pytest.raises(ValueError, match="'Dense' is the name of a built-in tinyframe class; rename Dense or pass"):
        tinyframe.register(make_layer_class("Dense"))


def test_a_name_taken_by_another_class_is_refused():
    tinyframe.register(make_layer_class("Scale", module="one"))
    with pytest.raises(ValueError, match="'Scale' is already registered for one.Scale; pass register\\(name=...\\)"):
        tinyframe.register(make_layer_class("Scale", module="two"))


def test_a_redefinition_of_the_same_class_replaces_it():
    first, second = make_layer_class("Scale"), make_layer_class("Scale")  # a re-run notebook cell
    tinyframe.register(first)
    tinyframe.register(second)
    assert registry.lookup("Scale", "layer") is second


@pytest.mark.parametrize("thing", [Dense(2, 3), int, "Dense", lambda x: x])
def test_only_layer_loss_and_optimizer_classes_register(thing):
    with pytest.raises(TypeError, match="register expects a subclass of Layer, Loss or Optimizer"):
        tinyframe.register(thing)


@pytest.mark.parametrize("name", ["", 3])
def test_a_name_must_be_a_non_empty_string(name):
    with pytest.raises(TypeError, match="register: name must be a non-empty string"):
        tinyframe.register(make_layer_class("Scale"), name=name)


def test_an_unknown_name_says_how_to_register():
    with pytest.raises(ValueError, match="unknown layer class 'Scale'.*decorate it with @tinyframe.register"):
        registry.lookup("Scale", "layer")


def test_a_class_of_another_kind_is_refused():
    with pytest.raises(ValueError, match="'SquaredError' is a loss class, but the file uses it as a layer"):
        registry.lookup("SquaredError", "layer")
    with pytest.raises(ValueError, match="'Dense' is a layer class, but the file uses it as an optimizer"):
        registry.lookup("Dense", "optimizer")


def test_an_unregistered_instance_has_no_name():
    with pytest.raises(ValueError, match="Scale is not registered.*@tinyframe.register"):
        registry.name_of(make_layer_class("Scale")())
