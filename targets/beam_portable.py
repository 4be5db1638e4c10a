"""Beam's portable runner on this machine: a job service and a pool of SDK worker processes.

`LocalCluster(workers=2)` starts, as two process groups of its own,

- a Beam job service (Beam's Python `LocalJobServicer`, the service of
  `apache_beam.runners.portability.local_job_service_main`, run by `python -m
  tensflo.targets.beam_portable`), which runs each job with as many SDK workers as its
  `--sdk_worker_parallelism` pipeline flag says (`workers` when it says 0);
- Beam's external worker pool (`apache_beam.runners.worker.worker_pool_main`), which starts one
  SDK worker process per worker the job service asks for;

and `cluster.flags()` are the pipeline flags that send a job there with `workers` SDK workers
(`--runner=PortableRunner` is the runner, chosen separately). The job service and the workers speak Beam's Job API and Fn API
over gRPC on loopback: the protocol of the Flink and Spark job servers, so the same flags with
`--job_endpoint` pointing at one of those run the job on that cluster. `close()` stops both groups
and every SDK worker with them. Nothing is downloaded: the job service is Python and the workers
are this interpreter (`python` on the pool's PATH).
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PORTABLE_RUNNER = "PortableRunner"


class ClusterError(Exception):
    """The job service or the worker pool did not start."""


class LocalCluster:
    """A Beam job service and an external worker pool on loopback (see the module docstring);
    a context manager that stops them on exit."""

    def __init__(self, workers: int = 2, *, start_timeout: float = 60.0,
                 python: str = sys.executable) -> None:
        if workers < 1:
            raise ValueError(f"a cluster has at least one worker, not {workers}")
        self.workers = workers
        self.job_port = _free_port()
        self.pool_port = _free_port()
        self.dir = tempfile.TemporaryDirectory(prefix="tensflo-beam-cluster-")
        bin_dir = Path(self.dir.name) / "bin"
        bin_dir.mkdir()
        # the pool starts workers as `python -c ...`: make that this interpreter, in its venv
        # (a symlink would lose the venv, which Python finds next to the path it is run as)
        wrapper = bin_dir / "python"
        wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(python)} "$@"\n')
        wrapper.chmod(0o755)
        env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        env.pop("PYTHONSTARTUP", None)
        self.log = Path(self.dir.name) / "cluster.log"
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            with open(self.log, "ab") as log:
                self.processes.append(subprocess.Popen(
                    [python, "-m", "tensflo.targets.beam_portable", "--port", str(self.job_port),
                     "--workers", str(workers)],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                    start_new_session=True))
                self.processes.append(subprocess.Popen(
                    [python, "-m", "apache_beam.runners.worker.worker_pool_main",
                     "--service_port", str(self.pool_port)],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                    start_new_session=True))
            self._wait_until_listening(start_timeout)
        except BaseException:
            self.close()
            raise

    @property
    def job_endpoint(self) -> str:
        return f"localhost:{self.job_port}"

    @property
    def worker_pool(self) -> str:
        return f"localhost:{self.pool_port}"

    def flags(self) -> list[str]:
        """Pipeline flags that run a job here with the PortableRunner."""
        return [f"--job_endpoint={self.job_endpoint}", "--environment_type=EXTERNAL",
                f"--environment_config={self.worker_pool}",
                f"--sdk_worker_parallelism={self.workers}"]

    def process_groups(self) -> list[int]:
        """The process group ids of the job service and the pool (their workers belong to them)."""
        return [p.pid for p in self.processes]

    def _wait_until_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        names = ("the job service", "the worker pool")
        for port, process, name in zip((self.job_port, self.pool_port), self.processes, names,
                                       strict=True):
            while not _listening(port):
                if process.poll() is not None:
                    raise ClusterError(f"{name} exited with status {process.returncode}: "
                                       f"{self._log_tail()}")
                if time.monotonic() > deadline:
                    raise ClusterError(f"{name} does not listen on port {port} after "
                                       f"{timeout:.0f} s: {self._log_tail()}")
                time.sleep(0.1)

    def _log_tail(self) -> str:
        lines = self.log.read_text(errors="replace").strip().splitlines() if self.log.exists() \
            else []
        return lines[-1] if lines else "(no output)"

    def close(self) -> None:
        """Stop the job service, the pool and every SDK worker (SIGTERM, then SIGKILL)."""
        for process in self.processes:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes:  # workers whose parent ended stay in the group
            _signal_group(process.pid, signal.SIGKILL)
            if process.poll() is None:
                process.wait(5)
        self.processes = []
        self.dir.cleanup()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port: int = s.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("localhost", port)) == 0


# -------------------------------------------------------------------------------------------------
# the job service process
# -------------------------------------------------------------------------------------------------
def job_workers(options: Any, default: int) -> int:
    """SDK workers for a job: its `--sdk_worker_parallelism` (Beam's default is 1; a Python
    client always sends the option, given or not), or `default` when that is 0 ("chosen by the
    runner", in Beam's words)."""
    from apache_beam.options.pipeline_options import PortableOptions

    given = options.view_as(PortableOptions).sdk_worker_parallelism
    return int(given) if given and int(given) > 0 else default


def serve(port: int, workers: int) -> None:
    """Serve Beam's Job API on `port` until terminated, running each job on Beam's Fn API runner
    with the job's `--sdk_worker_parallelism` SDK workers from its environment (`workers` when
    that is 0, see `job_workers`)."""
    from apache_beam.portability.api import beam_job_api_pb2
    from apache_beam.runners.portability import local_job_service
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    class Job(local_job_service.BeamJob):
        """Beam's local job, with a number of SDK workers (Beam's own always uses one): the job's
        `--sdk_worker_parallelism` (see `job_workers`)."""

        def _invoke_runner(self) -> Any:
            self.set_state(beam_job_api_pb2.JobState.RUNNING)
            options = self.pipeline_options()
            runner = fn_runner.FnApiRunner(provision_info=self._provision_info)
            # No public way exists in Beam 2.77 to give this runner a worker count for a job
            # submitted to a job service: `FnApiRunner.__init__` takes none, `run_via_runner_api`
            # (what Beam's own LocalJobServicer calls: the job arrives as a pipeline proto) reads
            # no worker option, and only `run_pipeline(Pipeline, options)` reads
            # `--direct_num_workers`; rebuilding a `Pipeline` from the proto for it drops every
            # transform's environment (`AppliedPTransform.from_runner_api` sets none), so the
            # steps would run in this process instead of on the external workers. The public
            # part is the flag: `--sdk_worker_parallelism`, Beam's portable option for SDK
            # workers per worker node, which the Flink and Spark job servers read too. It is
            # applied here by setting the attribute `run_pipeline` sets from its options.
            runner._num_workers = job_workers(options, workers)
            return runner.run_via_runner_api(self._pipeline_proto, options)

    service = local_job_service.LocalJobServicer(beam_job_type=Job)
    bound = service.start_grpc_server(port)
    print(f"tensflo Beam job service on localhost:{bound}, {workers} SDK workers per job",
          flush=True)
    stop = False

    def terminate(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, terminate)
    try:
        while not stop:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tensflo.targets.beam_portable",
                                     description="A Beam job service with N SDK workers per job.")
    parser.add_argument("--port", type=int, default=8099, help="Job API port (default: 8099)")
    parser.add_argument("--workers", type=int, default=2,
                        help="SDK workers per job whose --sdk_worker_parallelism is 0 "
                             "(default: 2)")
    args = parser.parse_args(argv)
    serve(args.port, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
