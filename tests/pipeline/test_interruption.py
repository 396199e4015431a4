"""Interrupting the pipeline, for real: `dvc repro` with a long training run, stopped mid-train
by SIGKILL, SIGINT (a terminal's Ctrl-C) or SIGTERM sent to its whole process group, and a
second `dvc repro` started while one runs. Afterwards no file is half-written, no stage is
recorded as done that is not, and the next `dvc repro` completes cleanly.

What DVC 3.67 does, found here: it deletes a stage's outputs before running it; on SIGINT it
waits for the stage (which exits 130) and then fails with "exited with 130" (or -2, when the
shell in between dies of the SIGINT first: see the Ctrl-C test); SIGTERM and
SIGKILL end it at once. The repository lock (.dvc/tmp/lock) is an OS lock that dies with the
process; the per-file entries in .dvc/tmp/rwlock stay, and the next `dvc repro` removes them
itself ("... had been killed. Auto removed it from the lock file.") because their PID is gone.
While a stage runs DVC holds only that rwlock, so a second `dvc repro` fails with "... is
busy, it is being blocked by: (PID n): dvc repro"; between stages it holds the repository
lock, and the second fails with "Unable to acquire lock".
"""

import contextlib
import csv
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import psutil
import pytest
import yaml

from conftest import REPO, locked_results, project_env, run, stage_outs
from stages.common import INTERRUPTED, TERMINATED, write_json
from test_bad_input import STAGES, leftover_temp_files

pytestmark = pytest.mark.slow

LONG = 100_000  # epochs: minutes of training, stopped within seconds
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
LOSS_CSV = "metrics/loss.csv"


def set_epochs(project, epochs):
    path = project / "params.yaml"
    path.write_text(re.sub(r"epochs: \d+", f"epochs: {epochs}", path.read_text()))


def default_ctrl_c():
    """In the child: SIGINT acts as in a terminal, even when pytest itself was started with it
    ignored (as a shell does for a command run in the background with `&`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def start_repro(tmp_path):
    """start_repro(project, **env): `dvc repro` in its own process group, its output going to
    files we can poll; whatever is left of the group is killed when the test ends."""
    started = []

    def start(project, **env):
        out, err = tmp_path / "repro.out", tmp_path / "repro.err"
        with open(out, "w") as out_file, open(err, "w") as err_file:
            process = subprocess.Popen(
                ["dvc", "repro"], cwd=project, env=project_env(**env), stdout=out_file,
                stderr=err_file, start_new_session=True, preexec_fn=default_ctrl_c,
            )
        started.append(process)
        return process, out, err

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


PROGRESS = re.compile(r"epoch \d+/\d+  loss ")  # the lab's train.py logs one per 10%


def progress_lines(err):
    return len(PROGRESS.findall(err.read_text()))


def wait_until_training(process, err, lines=1, timeout=90):
    """Return once the train stage has logged `lines` progress lines (one per 10% of the
    epochs): it is really running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = err.read_text()
        if len(PROGRESS.findall(text)) >= lines:
            return
        if process.poll() is not None:
            pytest.fail(f"dvc repro ended (exit {process.returncode}) before training:\n{text}")
        time.sleep(0.05)
    pytest.fail(f"training did not start within {timeout} s")


def running_in_group(pgid):
    """The processes of group `pgid` that still run (zombies waiting to be reaped do not)."""
    running = []
    for process in psutil.process_iter(["status"]):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                running.append(process)
    return running


def stop_group(process, signum, timeout=60):
    """Send `signum` to the whole process group; return dvc's exit code once all are gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
    code = process.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while running_in_group(process.pid):  # the stage too, not only dvc
        if time.monotonic() > deadline:
            pytest.fail(f"{running_in_group(process.pid)} outlived the signal")
        time.sleep(0.05)
    return code


def assert_workspace_good(project):
    """No truncated or half-written file: every JSON, YAML, CSV, PNG and SVG is complete."""
    for path in project.rglob("*"):
        parts = set(path.relative_to(project).parts)
        # classroom/ is a DVC project of its own, which these runs never touch; its CSVs are
        # the gradebook's, not loss curves
        if not path.is_file() or {".git", ".dvc", "__pycache__", "classroom"} & parts:
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix in (".yaml", ".lock"):
            yaml.safe_load(data)
        elif path.suffix == ".png":
            assert data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END), path
        elif path.suffix == ".svg":
            ET.fromstring(data)
        elif path.suffix == ".csv":
            rows = list(csv.reader(data.decode().splitlines()))
            assert rows[0] == ["epoch", "loss"] and len(rows) > 1, path
            assert [int(epoch) for epoch, _ in rows[1:]] == list(range(1, len(rows)))
            assert all(math.isfinite(float(loss)) for _, loss in rows[1:])
    assert leftover_temp_files(project) == []


def assert_reproduced(project):
    """Every output of every stage is there and complete, and DVC agrees it is up to date."""
    for stage in yaml.safe_load((project / "dvc.yaml").read_text())["stages"]:
        for name in stage_outs(stage):
            assert (project / name).is_file(), name
    assert_workspace_good(project)
    assert "up to date" in run(["dvc", "status"], project).stdout


def assert_rerun_gives_the_same_run(project, losses):
    """With params.yaml restored, `dvc repro` completes and trains the same losses again."""
    run(["git", "checkout", "--", "params.yaml"], project)
    result = run(["dvc", "repro"], project)
    assert "Traceback" not in result.stderr
    assert_reproduced(project)
    assert (project / LOSS_CSV).read_bytes() == losses


def test_kill_9_mid_training_leaves_nothing_half_written_and_the_rerun_completes(
        reproduced, start_repro):
    lock = locked_results(reproduced)
    set_epochs(reproduced, LONG)
    process, out, err = start_repro(reproduced, MINIGRAD_LOG="json")
    wait_until_training(process, err)
    assert stop_group(process, signal.SIGKILL) == -signal.SIGKILL

    assert_workspace_good(reproduced)
    assert locked_results(reproduced) == lock  # train is not recorded as done
    assert "train:" in run(["dvc", "status"], reproduced).stdout
    assert not (reproduced / "experiments/07-train-tense-logits/model.json").exists()

    set_epochs(reproduced, 40)  # a new value: train really runs again
    result = run(["dvc", "repro"], reproduced)
    assert "Running stage 'train'" in result.stdout
    assert "had been killed. Auto removed it from the lock file." in result.stderr
    assert "Traceback" not in result.stderr
    assert_reproduced(reproduced)
    assert json.loads((reproduced / "metrics/train.json").read_text())["epochs"] == 40


def errors_logged(err):
    """(logger, message) of each error line in a stderr captured with MINIGRAD_LOG=json (the
    switch that gives a program each line's level)."""
    return [
        (entry["logger"], entry["message"])
        for entry in map(json.loads, filter(lambda line: line.startswith("{"), err.splitlines()))
        if entry["level"] == "error"
    ]


# DVC runs each cmd with `$SHELL -c` (/bin/sh where SHELL is unset, as under CI). bash execs a
# lone command, so the stage is DVC's child and its 130 is what DVC reports. Debian's dash does
# not: it waits for the stage, dies of the SIGINT itself, and DVC reports -2; the stage still
# logs its one line and cleans up. The user sees the same outcome either way.
@pytest.mark.parametrize("shell, exit_shown", [("/bin/bash", "130"), ("/bin/sh", "-2")])
def test_ctrl_c_mid_training_ends_in_one_line_and_the_rerun_completes(
        reproduced, start_repro, shell, exit_shown):
    lock, losses = locked_results(reproduced), (reproduced / LOSS_CSV).read_bytes()
    set_epochs(reproduced, LONG)
    process, out, err = start_repro(reproduced, SHELL=shell, MINIGRAD_LOG="json")
    wait_until_training(process, err)
    # DVC ignores SIGINT while its stage runs, waits for it, then reports the failure
    assert stop_group(process, signal.SIGINT) == 255

    assert "Traceback" not in out.read_text() + err.read_text()
    assert errors_logged(err.read_text()) == [("train", INTERRUPTED)]
    assert "ERROR: failed to reproduce 'train'" in err.read_text()
    assert f"exited with {exit_shown}\n" in err.read_text()
    assert_workspace_good(reproduced)
    assert locked_results(reproduced) == lock

    assert_rerun_gives_the_same_run(reproduced, losses)


def test_a_second_repro_is_refused_while_one_runs_and_sigterm_ends_the_first_cleanly(
        reproduced, start_repro):
    lock, losses = locked_results(reproduced), (reproduced / LOSS_CSV).read_bytes()
    set_epochs(reproduced, LONG)
    process, out, err = start_repro(reproduced, MINIGRAD_LOG="json")
    wait_until_training(process, err)
    second = run(["dvc", "repro"], reproduced, check=False, timeout=120)
    assert second.returncode != 0 and "Traceback" not in second.stderr
    # DVC's own message: the repository lock, or (while a stage runs, when DVC holds only
    # its files) .dvc/tmp/rwlock
    assert re.search(r"Unable to acquire lock|is busy, it is being blocked by", second.stderr)
    assert "lock" in second.stderr and "Running stage" not in second.stdout
    wait_until_training(process, err, lines=progress_lines(err) + 1)  # the first goes on
    assert process.poll() is None

    # SIGTERM ends DVC at once; the stage cleans up and says so in one line
    assert stop_group(process, signal.SIGTERM) == -signal.SIGTERM
    assert "Traceback" not in out.read_text() + err.read_text()
    assert errors_logged(err.read_text()) == [("train", TERMINATED)]
    assert_workspace_good(reproduced)
    assert locked_results(reproduced) == lock

    assert_rerun_gives_the_same_run(reproduced, losses)


# A real SIGINT at a set point of a stage's start: this sitecustomize (on PYTHONPATH, so Python
# loads it before the stage) sends one the moment the stage imports stages.common, which every
# stage does before run_stage takes over. No module changes the interpreter when imported, so this
# early a Ctrl-C gets Python's own traceback (the README says so); nothing is written.
CTRL_C_AT_IMPORT = """
import os, signal, sys

signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts Python

class CtrlCAtImport:
    def find_spec(self, name, path=None, target=None):
        if name == "stages.common":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlCAtImport())
"""


def workspace_files(project):
    return {
        path: path.read_bytes() for path in project.rglob("*")
        if path.is_file() and not {".git", ".dvc", "__pycache__"} & set(path.relative_to(project).parts)
    }


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_ctrl_c_while_a_stage_is_still_importing_ends_it_and_writes_nothing(
        reproduced, tmp_path, stage):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CTRL_C_AT_IMPORT)
    before = workspace_files(reproduced)

    result = run(STAGES[stage]["cmd"].split(), reproduced, check=False,
                 env=project_env(PYTHONPATH=str(hook)))

    assert result.stderr.rstrip().endswith("KeyboardInterrupt"), result.stderr
    assert result.returncode == -signal.SIGINT  # Python's own end for a Ctrl-C it did not catch
    assert workspace_files(reproduced) == before


WRITER = """
import sys, time
from stages.common import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text('{"half')
    print(tmp, flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_mid_write_leaves_the_old_file_and_its_temp_goes_next_time(tmp_path):
    target = tmp_path / "model.json"
    write_json(target, {"old": 1})
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    temp = tmp_path / os.path.basename(writer.stdout.readline().strip())
    writer.kill()  # SIGKILL: no `finally`, no cleanup
    writer.wait()
    assert temp.exists() and temp.name.startswith(f".model.json.{writer.pid}.")
    assert json.loads(target.read_text()) == {"old": 1}  # never half-written

    write_json(target, {"new": 2})
    assert json.loads(target.read_text()) == {"new": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
