"""The `tensflo` program's start-up: the garbage collector is off while it imports and builds the
parser, and on (with the start-up objects frozen) while the command runs; `main(argv)` called
in-process leaves the collector as it found it."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from tensflo.compiler import cli

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc, json, sys
from tensflo.compiler import cli
seen = {}
run = cli.build_parser
def build_parser(*args, **kwargs):
    seen["while_building"] = gc.isenabled()
    return run(*args, **kwargs)
cli.build_parser = build_parser
sys.argv = ["tensflo", *sys.argv[1:]]
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    status = cli.main()
seen.update(status=status, after=gc.isenabled(), frozen=gc.get_freeze_count())
print(json.dumps(seen))
"""


def test_the_program_collects_no_garbage_during_start_up(tmp_path):
    env = {**os.environ, "TENSFLO_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, "ops"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["status"] == 0
    assert seen["while_building"] is False
    assert seen["after"] is True and seen["frozen"] > 1000


def test_main_in_process_leaves_the_collector_alone(capsys):
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        assert cli.main(["ops", "reduce_sum"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert cli.main(["ops", "reduce_sum"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert "reduce_sum" in capsys.readouterr().out
