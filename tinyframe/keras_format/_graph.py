"""A Keras functional config's graph: which call of which layer each call takes, and the calls made in order.

``[layer, node, 0]`` names a call's output (its ``node``-th call). The calls are made without
recursion, each once its inputs exist; a call that names a missing one, or a cycle, is refused.
"""

from __future__ import annotations

import heapq
from typing import Any

from .._config import expect


def history(ref: Any, where: str) -> tuple[str, int]:
    """``(layer, node)`` of a tensor Keras wrote as ``{"class_name": "__keras_tensor__", ..., [layer, node, 0]}``."""
    config = ref.get("config") if isinstance(ref, dict) else None
    named = config.get("keras_history") if isinstance(config, dict) else ref
    ok = isinstance(named, list) and len(named) == 3 and isinstance(named[0], str)
    if not ok or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in named[1:]) or named[2]:
        raise ValueError(f"{where} must name a layer's output as [layer, node, 0]. Received: {ref!r:.200}")
    return named[0], named[1]


def ends(value: Any, where: str) -> list[tuple[str, int]]:
    """The tensors of input_layers or output_layers: one ``[layer, node, 0]`` or a list of them."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError(f"config.json {where} must be [layer, node, 0] or a list of them. Received: {value!r:.200}")
    return [history(ref, f"config.json {where}") for ref in value]


def nodes(spec: dict[str, Any], name: str) -> list[tuple[bool, list[tuple[str, int]]]]:
    """Each call of a layer: ``(on a list, [the tensors it takes])``; Keras 3's ``{"args": [...], "kwargs"}``."""
    found = []
    for k, node in enumerate(expect(spec.get("inbound_nodes", []), list, f"layer {name!r} inbound_nodes")):
        where = f"layer {name!r} inbound_nodes[{k}]"
        args = node.get("args") if isinstance(node, dict) else None
        if not isinstance(args, list) or len(args) != 1:
            raise ValueError(f"{where} must be {{'args': [tensor or [tensors]], 'kwargs': {{}}}} (Keras 3's)")
        for key, value in expect(node.get("kwargs", {}), dict, f"{where}.kwargs").items():
            if not (key == "mask" and value is None or key == "training" and value in (None, False, True)):
                raise ValueError(f"{where}: the call argument {key}={value!r:.100} is not supported")
        listed = isinstance(args[0], list)
        if listed and not args[0]:
            raise ValueError(f"{where} calls the layer on no tensors")
        found.append((listed, [history(ref, where) for ref in (args[0] if listed else args)]))
    return found


def make_calls(calls: dict[str, tuple[Any, list[Any]]], made: dict[Any, Any]) -> None:
    """Make every call once its inputs exist, the earliest in the config first (Kahn's order, without recursion).

    A file tinyframe wrote lists the layers in the order they were first called, and so its
    model comes back with ``model.layers`` in that order.
    """
    rank, waiting, missing, ready = {}, {}, {}, []
    for i, (name, (_, its_calls)) in enumerate(calls.items()):
        for k, (_, needs) in enumerate(its_calls):
            key = (name, k)
            rank[key] = (i, k)
            for need in needs:
                if need not in made and (need[0] not in calls or need[1] >= len(calls[need[0]][1])):
                    raise ValueError(
                        f"layer {name!r} takes call {need[1]} of {need[0]!r}, which the config does not have"
                    )
            absent = {need for need in needs if need not in made}
            missing[key] = len(absent)
            for need in absent:
                waiting.setdefault(need, []).append(key)
            if not absent:
                heapq.heappush(ready, (rank[key], key))
    while ready:
        _, key = heapq.heappop(ready)
        layer, its_calls = calls[key[0]]
        listed, needs = its_calls[key[1]]
        args = [made[need] for need in needs]
        try:
            made[key] = layer(args if listed else args[0])
        except (TypeError, ValueError) as error:
            raise ValueError(f"layer {key[0]!r} cannot take its inputs: {error}") from None
        for waiter in waiting.pop(key, []):
            missing[waiter] -= 1
            if not missing[waiter]:
                heapq.heappush(ready, (rank[waiter], waiter))
    stuck = [key for key in rank if key not in made]
    if stuck:
        raise ValueError(f"layer {stuck[0][0]!r}: its inputs depend on its own output (a cycle)")
