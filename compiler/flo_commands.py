"""The Flo plugin: the `tensflo flo` command, which checks and runs Flo graphs.

A graph file is a Python file defining a `tensflo.ir.flo.Graph` named `graph` (or another name,
picked with `--graph`), and optionally `inputs`, a dict from input port to a list of elements used
when no `--input` is given. Input files are JSON: a list of elements for one port
(`--input events=events.json`) or an object from ports to lists (`--input inputs.json`). JSON
arrays become tuples, and `{"watermark": T}` becomes `Watermark(T)`.
"""

from __future__ import annotations

import argparse
import enum
import json
import logging
import runpy
import signal
import threading
from pathlib import Path
from typing import IO, Any

from tensflo.plugins.errors import ExitCode, UsageError, read_input
from tensflo.plugins.hookspecs import AddCommand, hookimpl
from tensflo.plugins.manager import Registry

HELP = "check and run Flo streaming dataflow graphs (on the interpreter or on Apache Beam)"
EXAMPLE = "tensflo flo run examples/flo/windowed_aggregation.py --runner beam"

CHECK_HELP = "type-check a graph file and check streaming progress and eager execution on inputs"
RUN_HELP = "run a graph file on inputs and print its outputs"
SERVE_HELP = ("start a Beam job service and a pool of SDK worker processes on this machine, "
              "for --beam-runner PortableRunner")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=100)


@hookimpl
def tensflo_register_commands(add_command: AddCommand) -> None:
    flo = add_command("flo", HELP, EXAMPLE, _cmd_flo)
    actions = flo.add_subparsers(dest="action", metavar="ACTION", title="actions")
    actions.required = True

    check = actions.add_parser(
        "check", help=CHECK_HELP, description=CHECK_HELP[0].upper() + CHECK_HELP[1:] + ".",
        epilog="example:\n  tensflo flo check examples/flo/dbsp_view.py\n\n"
               "exit status: 0 the graph is well typed and both properties hold on the inputs,\n"
               "1 a property fails (a counterexample schedule is printed), 2 usage or input error.",
        formatter_class=_formatter)
    _common(check)
    check.add_argument("--limit", type=int, default=2000, metavar="N",
                       help="run every schedule when there are at most N (default: %(default)s)")
    check.add_argument("--samples", type=int, default=200, metavar="N",
                       help="then N random schedules, which also vary the delivery order inside "
                            "the graph (default: %(default)s)")
    check.add_argument("--seed", type=int, default=0, help="seed of the random schedules")

    run = actions.add_parser(
        "run", help=RUN_HELP, description=RUN_HELP[0].upper() + RUN_HELP[1:] + ".",
        epilog="examples:\n"
               "  tensflo flo run examples/flo/dbsp_view.py --runner interp\n"
               "  tensflo flo run graph.py --input events=events.json --runner beam \\\n"
               "      --beam-runner FlinkRunner --beam-option=--flink_master=localhost:8081",
        formatter_class=_formatter)
    _common(run)
    run.add_argument("--runner", choices=("interp", "beam"), default="interp",
                     help="the reference interpreter or Apache Beam (default: %(default)s)")
    run.add_argument("--scheduler", choices=("in-order", "random"), default="in-order",
                     help="interpreter: how inputs are batched and interleaved "
                          "(default: %(default)s)")
    run.add_argument("--batch-size", type=int, default=1, metavar="N",
                     help="interpreter, in-order: elements per batch (default: %(default)s)")
    run.add_argument("--seed", type=int, default=0, help="interpreter, random: the seed")
    run.add_argument("--beam-runner", default="FnApiRunner", metavar="NAME",
                     help="Beam runner (default: %(default)s, Beam's embedded runner, in memory "
                          "in this process)")
    run.add_argument("--beam-option", action="append", default=[], metavar="FLAG",
                     help="a Beam pipeline flag, passed through (repeatable), e.g. "
                          "--beam-option=--direct_num_workers=2")

    serve = actions.add_parser(
        "serve", help=SERVE_HELP, description=SERVE_HELP[0].upper() + SERVE_HELP[1:] + ".",
        epilog="Prints the flags that send a job there and runs until interrupted (Ctrl-C).\n\n"
               "example:\n  tensflo flo serve --workers 2",
        formatter_class=_formatter)
    serve.add_argument("--workers", type=int, default=2, metavar="N",
                       help="SDK worker processes per job (default: %(default)s)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.py", help="a Python file defining a Flo graph")
    parser.add_argument("--graph", default="graph", metavar="NAME",
                        help="the variable holding the graph (default: %(default)s)")
    parser.add_argument("--input", "-i", action="append", default=[], metavar="[PORT=]FILE",
                        help="JSON input: PORT=FILE holds a list for one port, FILE an object "
                             "from ports to lists (repeatable; default: the file's `inputs`)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")


def _cmd_flo(args: argparse.Namespace, registry: Registry, out: IO[str]) -> int:
    from tensflo.ir.flo import FloTypeError, typecheck

    if args.action == "serve":
        return _serve(args.workers, out)

    graph, defaults = _load(args.file, args.graph)
    try:
        types = typecheck(graph)
    except FloTypeError as e:
        raise UsageError(f"{args.file}: {e}") from None
    inputs = _inputs(args.input) if args.input else defaults
    if args.action == "check":
        return _check(args, graph, types, inputs, out)
    return _run(args, graph, inputs, out)


def _check(args: argparse.Namespace, graph: Any, types: dict[Any, Any],
           inputs: dict[str, list[Any]] | None, out: IO[str]) -> int:
    from tensflo.ir.flo import FloRuntimeError, check

    report: dict[str, Any] = {
        "graph": graph.name,
        "inputs": {port: str(types[s]) for port, s in graph.inputs.items()},
        "outputs": {port: str(types[s]) for port, s in graph.outputs.items()},
        "operators": len(graph.nodes) - len(graph.inputs),
        "types": "ok",
    }
    result = None
    if inputs is not None:
        try:
            result = check(graph, inputs, limit=args.limit, samples=args.samples,
                           seed=args.seed)
        except FloRuntimeError as e:
            raise UsageError(f"{args.file}: {e}") from None
        except Exception as e:
            raise UsageError(f"{args.file}: the graph failed on its inputs: "
                             f"{type(e).__name__}: {e}") from None
        report["properties"] = {
            "ok": result.ok, "schedules": result.schedules, "exhaustive": result.exhaustive,
            "input_prefixes": result.states,
        }
        if result.counterexample is not None:
            cx = result.counterexample
            report["properties"]["counterexample"] = {
                "property": cx.property, "message": cx.message, "output": cx.output,
                "schedules": [str(s) for s in cx.schedules],
            }
    if args.json:
        json.dump(report, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(f"graph {graph.name!r}: {report['operators']} operators, well typed\n")
        for port, t in report["inputs"].items():
            out.write(f"  input  {port}: {t}\n")
        for port, t in report["outputs"].items():
            out.write(f"  output {port}: {t}\n")
        if result is None:
            out.write("no inputs (give --input or define `inputs` in the file): "
                      "properties not checked\n")
        else:
            out.write(f"{result}\n")
    return ExitCode.OK if result is None or result.ok else ExitCode.NOT_LIFTED


def _run(args: argparse.Namespace, graph: Any, inputs: dict[str, list[Any]] | None,
         out: IO[str]) -> int:
    from tensflo.ir.flo import FloRuntimeError, InOrder, RandomSchedules, run

    if inputs is None:
        raise UsageError(f"{args.file} defines no `inputs`: give --input [PORT=]FILE")
    try:
        if args.runner == "beam":
            from tensflo.targets.beam import BeamLoweringError, run_beam

            # a failing user function is reported below in one line: keep Beam's runners from
            # logging its traceback too
            runners_log = logging.getLogger("apache_beam.runners")
            level = runners_log.level
            runners_log.setLevel(logging.CRITICAL)
            try:
                outputs = run_beam(graph, inputs, runner=args.beam_runner,
                                   options=args.beam_option)
            except BeamLoweringError as e:
                raise UsageError(f"{args.file}: {e}") from None
            finally:
                runners_log.setLevel(level)
        else:
            if args.batch_size < 1:
                raise UsageError(f"--batch-size must be at least 1, not {args.batch_size}")
            scheduler = (RandomSchedules(args.seed, 1) if args.scheduler == "random"
                         else InOrder(args.batch_size))
            outputs = run(graph, inputs, scheduler=scheduler).outputs
    except UsageError:
        raise
    except FloRuntimeError as e:
        raise UsageError(f"{args.file}: {e}") from None
    except Exception as e:
        message = str(e).strip().splitlines()
        raise UsageError(f"{args.file}: running the graph failed: {type(e).__name__}: "
                         f"{message[-1] if message else ''}") from None
    try:
        if args.json:
            text = json.dumps({port: _jsonable(v) for port, v in outputs.items()}, indent=2,
                              ensure_ascii=False) + "\n"
        else:
            text = "".join(f"{port}: {_show(value)}\n" for port, value in outputs.items())
    except RecursionError:
        raise UsageError(f"{args.file}: an output nests too deeply to print") from None
    out.write(text)
    return ExitCode.OK


def _serve(workers: int, out: IO[str]) -> int:
    from tensflo.targets.beam_portable import ClusterError, LocalCluster

    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        with LocalCluster(workers) as cluster:
            flags = cluster.flags()
            out.write(f"Beam job service on {cluster.job_endpoint}, worker pool on "
                      f"{cluster.worker_pool} ({workers} SDK worker processes per job)\n"
                      "run graphs with:\n  tensflo flo run FILE.py --runner beam --beam-runner "
                      f"PortableRunner {' '.join('--beam-option=' + f for f in flags)}\n"
                      "compile with:\n  tensflo compile SRC... --executor beam --runner "
                      f"PortableRunner {' '.join('--beam-option ' + f[2:] for f in flags)}\n"
                      "stop with Ctrl-C\n")
            out.flush()
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        pass  # Ctrl-C at any point stops the services (the with block has closed them)
    except ClusterError as e:
        raise UsageError(f"the Beam services did not start: {e}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    return ExitCode.OK


# -------------------------------------------------------------------------------------------------
# graph files and inputs
# -------------------------------------------------------------------------------------------------
def _load(path: str, name: str) -> tuple[Any, dict[str, list[Any]] | None]:
    from tensflo.ir.flo import Graph

    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{path}: no such file" if not file.exists() else f"{path}: not a file")
    null = _null_byte(file)
    if null is not None:
        raise UsageError(f"{path}:{null[0]}:{null[1]}: a null byte: a graph file is Python "
                         "source text") from None
    try:
        namespace = runpy.run_path(str(file), run_name="__flo__")
    except SyntaxError as e:
        raise UsageError(f"{path}:{e.lineno}:{e.offset}: {e.msg}") from None
    except SystemExit:
        raise UsageError(f"{path}: exited while being loaded") from None
    except Exception as e:
        raise UsageError(f"{path}: loading failed: {type(e).__name__}: {e}") from None
    graph = namespace.get(name)
    if not isinstance(graph, Graph):
        found = sorted(k for k, v in namespace.items() if isinstance(v, Graph))
        hint = f" (graphs defined: {', '.join(found)}; pick one with --graph)" if found else ""
        raise UsageError(f"{path} defines no Flo graph named {name!r}{hint}")
    defaults = namespace.get("inputs")
    if defaults is not None and not isinstance(defaults, dict):
        raise UsageError(f"{path}: `inputs` must be a dict from port to a list of elements")
    return graph, defaults


def _null_byte(file: Path) -> tuple[int, int] | None:
    """The line and column (from 1) of the first null byte of `file`, if it has one."""
    data = file.read_bytes()
    at = data.find(b"\0")
    if at < 0:
        return None
    line_start = data.rfind(b"\n", 0, at) + 1
    return data.count(b"\n", 0, at) + 1, len(data[line_start:at].decode("utf-8", "replace")) + 1


def _inputs(specs: list[str]) -> dict[str, list[Any]]:
    inputs: dict[str, list[Any]] = {}
    for spec in specs:
        port, sep, path = spec.partition("=")
        if not sep:
            port, path = "", spec
        data = _read_json(path)
        if port:
            if not isinstance(data, list):
                raise UsageError(f"{path}: the input of port {port!r} must be a JSON list")
            inputs[port] = [_element(x, path) for x in data]
        else:
            if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
                raise UsageError(f"{path}: expected a JSON object from ports to lists "
                                 "(or use --input PORT=FILE)")
            inputs.update({p: [_element(x, path) for x in items] for p, items in data.items()})
    return inputs


def _read_json(path: str) -> Any:
    try:
        return json.loads(read_input(path))
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    except RecursionError:
        raise UsageError(f"{path}: JSON nested too deeply to read") from None


MAX_DEPTH = 200
"""How deeply an input element may nest (arrays and objects); deeper ones are refused."""


def _element(x: Any, path: str) -> Any:
    """A JSON value as a Flo element (arrays as tuples, `{"watermark": T}` as a `Watermark`),
    built without recursion; raises `UsageError` past `MAX_DEPTH` levels."""
    from tensflo.ir.flo import Watermark

    done: dict[int, Any] = {}
    # post-order walk: a container is built once all its children are
    todo: list[tuple[Any, int, bool]] = [(x, 1, False)]
    while todo:
        v, depth, children_done = todo.pop()
        if not isinstance(v, (list, dict)):
            continue
        if depth > MAX_DEPTH:
            raise UsageError(f"{path}: an input element nests more than {MAX_DEPTH} levels deep")
        if not children_done:
            todo.append((v, depth, True))
            todo.extend((c, depth + 1, False) for c in (v if isinstance(v, list) else v.values()))
            continue

        def built(c: Any) -> Any:
            return done.pop(id(c)) if isinstance(c, (list, dict)) else c

        if isinstance(v, list):
            done[id(v)] = tuple(built(c) for c in v)
        elif set(v) == {"watermark"}:
            done[id(v)] = Watermark(built(v["watermark"]))
        else:
            done[id(v)] = {k: built(c) for k, c in v.items()}
    return done.pop(id(x)) if isinstance(x, (list, dict)) else x


# -------------------------------------------------------------------------------------------------
# printing outputs
# -------------------------------------------------------------------------------------------------
def _sorted(items: Any) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(_show(v) for v in _sorted(value)) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(_show(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _jsonable(value: Any) -> Any:
    from tensflo.ir.flo import Watermark, Window

    if isinstance(value, (frozenset, set)):
        return [_jsonable(v) for v in _sorted(value)]
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _jsonable(v) for k, v in value.items()}
        return [[_jsonable(k), _jsonable(v)] for k, v in value.items()]
    if isinstance(value, Watermark):
        return {"watermark": value.time}
    if isinstance(value, Window):
        return {"start": value.start, "end": value.end, "items": _jsonable(value.items)}
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
