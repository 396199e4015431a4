"""The classroom with the real DVC and the real bubblewrap: the sample class graded end to end,
one learner's edit re-grading that learner alone, and two graders sharing a class through a
local remote's run-cache. Each test grades a copy of classroom/ (and the engine and checker
beside it) with the time limits lowered, so that the looping learner costs 2 s, not 15."""

import csv
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import run

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# what `make class` makes: left out of a copy, which starts ungraded
MADE = {"graded", "dvc.lock", "gradebook.csv", "README.md", "curves.csv", "cache", "tmp",
        "__pycache__"}
FAST = {"jail": True, "wall_seconds": 3, "cpu_seconds": 2, "memory_mb": 1024, "processes": 32,
        "file_mb": 16}


def _ignore(folder, names):
    return [n for n in names if n in MADE or n.endswith(".pyc")]


def make_copy(dest, learners=None, extra=None):
    """A git repository holding minigrad/, labcheck/ and classroom/ (ungraded), with the
    learners given (all the sample's by default), `extra(room)` run on it, and FAST limits."""
    for part in ("minigrad", "labcheck", "classroom"):
        shutil.copytree(REPO / part, dest / part, ignore=_ignore)
    room = dest / "classroom"
    if learners is not None:
        for folder in (room / "learners").iterdir():
            if folder.name not in learners:
                shutil.rmtree(folder)
    if extra:
        extra(room)
    (room / "params.yaml").write_text(yaml.safe_dump({"grading": FAST}))
    run(["python", "-m", "classroom.grading.roster"], dest)
    run(["python", "-m", "classroom.grading.stamp"], dest)  # of the code as copied
    run(["git", "init", "-q"], dest)
    run(["git", "add", "."], dest)
    run(["git", "commit", "-qm", "a class"], dest)
    return room


def gradebook(room):
    with open(room / "gradebook.csv", encoding="utf-8") as f:
        return {row["learner"]: row for row in csv.DictReader(f)}


def ran(output):
    """The stages that ran, but `code`: it runs at every repro, in a blink, and re-grades no
    one unless the grading code changed."""
    return sorted(name for line in output.splitlines() if line.startswith("Running stage")
                  for name in [line.split("'")[1]] if name != "code")


def add_learner(room, name, like, train_edit):
    """A learner made from a sample one, with one edit to train.py."""
    folder = room / "learners" / name
    shutil.copytree(room / "learners" / like, folder)
    train = folder / "phase-07" / "07-train-tense-logits" / "train.py"
    train.write_text(train_edit(train.read_text()))


# A forger: dee's lab (the gradients never zeroed) with a record of a good run kept beside it,
# copied over the checker's record when its process exits.
FORGE = """
import atexit as _atexit, os as _os, shutil as _shutil
_atexit.register(lambda: _shutil.copyfile(_os.path.join(_os.path.dirname(__file__),
                                                        "good_record.json"),
                                          "/scratch/record.json"))
"""


def add_forger(room, name, like):
    add_learner(room, name, like, lambda text: text + FORGE)
    good = room.parent / "good-run"
    good.mkdir()
    run(["python", "-m", "labcheck.run", str(room / "learners" / "ada" / "phase-07"), str(good)],
        room.parent)
    shutil.copy(good / "record.json", room / "learners" / name / "phase-07" /
                "07-train-tense-logits" / "good_record.json")
    shutil.rmtree(good)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    room = make_copy(root, extra=lambda room: [
        add_forger(room, "max", "dee"),
        # an exception whose message holds a lone surrogate, which no UTF-8 file can hold
        add_learner(room, "nia", "ada",
                    lambda text: text + "\nraise RuntimeError('odd \\udcff')\n"),
        # a file that is not Python yet, and a step that fails at its third epoch
        add_learner(room, "kit", "ada", lambda text: text + "\ndef broken(:\n"),
        add_learner(room, "lou", "ada", lambda text: text.replace(
            "    loss.backward()", "    if len(model.parameters()) and lr and sum(\n"
            "            p.grad != 0 for p in model.parameters()) > 9000:\n        pass\n"
            "    loss.backward()\n    _calls.append(1)\n    if len(_calls) == 5:\n"
            "        raise ZeroDivisionError('a slip at the third epoch')") + "\n_calls = []\n")])
    start = time.monotonic()
    done = run(["dvc", "repro"], room)
    return root, room, done.stdout, time.monotonic() - start


def test_the_sample_class_end_to_end(graded):
    root, room, output, seconds = graded
    rows = gradebook(room)
    assert list(rows) == ["ada", "bo", "cy", "dee", "eli", "gus", "hal", "ivy", "kit", "lou",
                          "max", "nia"]
    verdicts = {name: (r["status"], r["passed"]) for name, r in rows.items()}
    assert verdicts == {"ada": ("graded", "true"), "bo": ("graded", "true"),
                        "cy": ("graded", "false"), "dee": ("graded", "false"),
                        "eli": ("graded", "false"), "gus": ("timed out", "false"),
                        "hal": ("graded", "true"), "ivy": ("graded", "false"),
                        "kit": ("refused", "false"), "lou": ("crashed", "false"),
                        "max": ("graded", "false"), "nia": ("refused", "false")}
    # the forger's copied record matched the replay, but not a second run at another seed
    assert "replay: unreproducible at another seed" in rows["max"]["findings"].split(";")
    assert "RuntimeError: odd ?, while being imported" in rows["nia"]["detail"]
    # messages name the learner's files by their paths in the repository, not the jail's
    for name in ("kit", "lou"):
        detail = rows[name]["detail"]
        assert f"classroom/learners/{name}/phase-07/07-train-tense-logits/train.py" in detail
        assert "/lab/" not in detail and "/scratch" not in detail
    assert "ZeroDivisionError" in rows["lou"]["detail"]
    assert rows["ada"]["final_loss"] == "0.05311" and rows["ada"]["accuracy"] == "1"
    assert rows["ada"]["stop_conditions_met"] == "4" and rows["ada"]["findings"] == ""
    assert "Block A start: neurons start alike" in rows["cy"]["findings"].split(";")
    assert rows["dee"]["findings"].split(";") == ["replay: the final weights differ",
                                                  "Block C step 3: the gradients add up"]
    assert "Block B: the targets are 0/1" in rows["eli"]["findings"]
    # the looping learner: where it was when stopped, from the phase file
    assert rows["gus"]["detail"].startswith("timed out after 2 s of CPU in sgd_step, epoch ")
    # hal looked for classmates' files and, in the jail, found none: it ran as a correct lab
    # ivy wrote a passing verdict and emptied the checker in its process: no advice, but the
    # replay still fails it, and its files went nowhere
    assert rows["ivy"]["findings"] == "replay: the final weights differ"
    forged = [p for p in root.rglob("*") if p.name in ("passed", "verdict.json")
              and p.parent.parent != room / "graded"]
    assert forged == []
    readme = (room / "README.md").read_text()
    assert "3 of 12 passed." in readme and "- replay: the final weights differ: 3 of 12" in readme
    page = (room / "graded" / "dee" / "feedback.md").read_text()
    assert "**NOT PASSED.**" in page and "Block C, step 3" in page
    svg = (room / "graded" / "ada" / "graph.svg").read_text()
    assert "<svg" in svg and "data 2.0000" in svg
    curves = (room / "curves.csv").read_text().splitlines()
    assert curves[0] == "learner,epoch,loss" and curves[1].startswith("reference (the lab),1,")
    print(f"sample class graded in {seconds:.1f} s")


def test_one_edit_regrades_that_learner_alone(graded):
    root, room, _, _ = graded
    train = room / "learners" / "dee" / "phase-07" / "07-train-tense-logits" / "train.py"
    text = train.read_text()
    train.write_text(text.replace("    loss.backward()",
                                  "    for p in model.parameters():\n        p.grad = 0.0\n"
                                  "    loss.backward()"))
    start = time.monotonic()
    done = run(["dvc", "repro"], room)
    seconds = time.monotonic() - start
    assert ran(done.stdout) == ["grade@dee", "gradebook"]
    assert gradebook(room)["dee"]["passed"] == "true"
    assert seconds < 10, f"re-grading one learner took {seconds:.1f} s"
    # nothing left to grade: only `code`, which runs at every repro, is listed
    assert run(["dvc", "status"], room).stdout.split() == ["code:", "always", "changed"]


def test_two_graders_share_a_class_through_the_run_cache(tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    room = make_copy(origin, learners={"ada", "dee", "hal"})
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "shared", str(remote)], room)
    run(["git", "commit", "-qam", "the shared remote"], origin)
    shares = {"one": ["grade@ada", "grade@dee"], "two": ["grade@hal"]}
    for grader, stages in shares.items():
        run(["git", "clone", "-q", str(origin), str(tmp_path / grader)], tmp_path)
        here = tmp_path / grader / "classroom"
        done = run(["dvc", "repro", "--single-item", *stages], here)
        assert ran(done.stdout) == stages
        run(["dvc", "push", "--run-cache"], here)
    run(["git", "clone", "-q", str(origin), str(tmp_path / "teacher")], tmp_path)
    teacher = tmp_path / "teacher" / "classroom"
    done = run(["dvc", "repro", "--pull"], teacher)
    assert ran(done.stdout) == ["gradebook"], done.stdout
    for stage in ("grade@ada", "grade@dee", "grade@hal"):
        assert f"Stage '{stage}' is cached - skipping run" in done.stdout, done.stdout
    rows = gradebook(teacher)
    assert {n: r["passed"] for n, r in rows.items()} == {"ada": "true", "dee": "false",
                                                          "hal": "true"}
