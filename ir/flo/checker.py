"""The graph checker: arities, cycles only through deferred edges in a nest, operator types,
blocking operators only on bounded inputs, and explicit network edges between locations."""

from __future__ import annotations

from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter

from . import ops
from .graph import Graph, Stream
from .types import FloTypeError, StreamType


def typecheck(graph: Graph) -> dict[Stream, StreamType]:
    """The type of every node's output; raises `FloTypeError` listing every problem found."""
    errors = _structure(graph)
    if errors:
        raise FloTypeError(errors)
    types: dict[Stream, StreamType] = {}
    deps = {n: [] if isinstance(n.op, ops.Defer) else list(n.inputs) for n in graph.nodes}
    order = list(TopologicalSorter(deps).static_order())
    failed: set[Stream] = set()
    for node in order:
        if any(i in failed for i in node.inputs if not isinstance(node.op, ops.Defer)):
            failed.add(node)
            continue
        if isinstance(node.op, ops.Defer):
            types[node] = node.op.type
            continue
        ins = [types[i] for i in node.inputs]
        try:
            if ins:
                node.op.check_inputs(ins)
            for i in node.op.blocking_inputs(ins):
                if not ins[i].bounded:
                    raise FloTypeError(_blocking_message(node, i, ins[i]))
            types[node] = node.op.infer(ins)
        except FloTypeError as e:
            errors.extend(f"{node.label}: {m}" for m in e.errors)
            failed.add(node)
    for node in graph.nodes:  # deferred edges, once their sources are typed
        if isinstance(node.op, ops.Defer) and node.inputs[0] in types:
            try:
                node.op.check_inputs([types[node.inputs[0]]])
            except FloTypeError as e:
                errors.extend(f"{node.label}: {m}" for m in e.errors)
    errors.extend(_locations(graph))
    if errors:
        raise FloTypeError(errors)
    return types


def _blocking_message(node: Stream, index: int, t: StreamType) -> str:
    what = "its input" if len(node.inputs) == 1 else f"its input {index + 1}"
    name = node.op.name
    hint = "make that input bounded"
    if name in ("fold", "reduce", "keyed_fold"):
        hint += (f", or window it first and apply {name} to the windows directly: "
                 f"s.window(count=n).{name}(...) or s.window(size=w, time=f).{name}(...) gives "
                 "one result per closed window")
    elif name == "sort":
        hint += (", or window it first and sort each window in a map: "
                 "s.window(count=n).map(sorted)")
    elif name == "difference":
        hint += ", or subtract Z-sets (.into(ZSET)), whose difference waits for nothing"
    return f"{name} blocks until {what} ends, but {node.inputs[index].label} is {t}: {hint}"


def _structure(graph: Graph) -> list[str]:
    errors: list[str] = []
    for node in graph.nodes:
        arity = node.op.arity
        n = len(node.inputs)
        if isinstance(node.op, ops.Defer):
            if node.scope is None:
                errors.append(f"{node.label}: a deferred edge must be made inside a nest "
                              "(with graph.nest() as loop: loop.defer(...))")
            if n == 0:
                errors.append(f"{node.label}: deferred stream is never fed (call .feed(stream))")
            if node.op.type.bounded:
                errors.append(f"{node.label}: a deferred stream feeds back into its nest and never "
                              f"ends: declare it unbounded, not {node.op.type}")
        elif arity is None and n < 1 or arity is not None and n != arity:
            want = "one or more" if arity is None else str(arity)
            errors.append(f"{node.label}: takes {want} inputs, got {n}")
    if errors:
        return errors
    deps = {n: list(n.inputs) for n in graph.nodes}
    for component in _cycles(deps):
        path = _names(component)
        defers = [n for n in component if isinstance(n.op, ops.Defer)]
        if not defers:
            errors.append(f"the cycle through {path} has no deferred edge: cycles must go through "
                          "nest() and defer()")
            continue
        scope = defers[0].scope
        assert scope is not None  # a defer outside a nest was reported above
        outside = [n for n in component if not _inside(n, scope)]
        if outside:
            errors.append(f"the cycle through {path} leaves its nest {scope.name!r} "
                          f"at {outside[0].label}")
    return errors


def _names(nodes: list[Stream], most: int = 6) -> str:
    if len(nodes) <= most:
        return ", ".join(n.label for n in nodes)
    shown = ", ".join(n.label for n in nodes[:most - 1])
    return f"{shown}, ..., {nodes[-1].label} ({len(nodes)} operators)"


def _inside(node: Stream, scope: object) -> bool:
    s = node.scope
    while s is not None:
        if s is scope:
            return True
        s = s.parent
    return False


def _cycles(deps: dict[Stream, list[Stream]]) -> list[list[Stream]]:
    """Strongly connected components with a cycle (Tarjan, iterative), each sorted by node id."""
    try:
        TopologicalSorter(deps).prepare()
        return []
    except CycleError:
        pass
    users: dict[Stream, list[Stream]] = {n: [] for n in deps}
    for n, ins in deps.items():
        for i in ins:
            users[i].append(n)
    index: dict[Stream, int] = {}
    low: dict[Stream, int] = {}
    stack: list[Stream] = []
    on_stack: set[Stream] = set()
    found: list[list[Stream]] = []

    # depth-first search with an explicit stack of (node, its users still to visit)
    work: list[tuple[Stream, Iterator[Stream]]] = []

    def enter(v: Stream) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        work.append((v, iter(users[v])))

    for root in deps:
        if root in index:
            continue
        enter(root)
        while work:
            v, todo = work[-1]
            w = next(todo, None)
            if w is not None:
                if w not in index:
                    enter(w)
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w is v:
                        break
                if len(comp) > 1 or v in users[v]:
                    found.append(sorted(comp, key=lambda n: n.id))
    return found


def _locations(graph: Graph) -> list[str]:
    errors = []
    for node in graph.nodes:
        for source in node.inputs:
            if source.location == node.location:
                continue
            if isinstance(node.op, ops.Network) and node.op.to == node.location:
                continue
            errors.append(f"{node.label} at {node.location} reads {source.label} at "
                          f"{source.location} without a network edge: use "
                          f".send_to({node.location}) on it")
    return errors
