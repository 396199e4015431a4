"""The classroom's speed: a class of 30 correct labs graded with `dvc repro`, then one
learner's edit re-graded, then what the jail adds per learner (the same labs graded jailed and
unjailed, one after the other, in this run).

    .venv/bin/python bench/bench_classroom.py [--learners 30] [--json out.json]

Works on a copy: minigrad/, labcheck/ and classroom/ (without its sample class) in a temporary
git repository, with 30 learners written from the sample's two correct labs (ada's and bo's,
alternately). Targets (issue 29): the class in at most 120 s, the edit in at most 10 s.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MADE = {"graded", "dvc.lock", "gradebook.csv", "README.md", "curves.csv", "__pycache__",
        "cache", "tmp", "learners"}


def sh(args, cwd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def timed(args, cwd):
    start = time.monotonic()
    out = sh(args, cwd)
    return time.monotonic() - start, out


def build(dest, n):
    for part in ("minigrad", "labcheck", "classroom"):
        shutil.copytree(REPO / part, dest / part, ignore=lambda d, names: [
            x for x in names if x in MADE])
    sample = REPO / "classroom" / "learners"
    for i in range(n):
        shutil.copytree(sample / ("ada", "bo")[i % 2], dest / "classroom" / "learners"
                        / f"learner{i:02d}")
    sh([BIN / "python", "-m", "classroom.grading.roster"], dest)
    sh(["git", "init", "-q"], dest)
    sh(["git", "add", "."], dest)
    sh(["git", "-c", "user.name=bench", "-c", "user.email=bench@invalid", "commit", "-qm",
        "class"], dest)


def jail_cost(root, names):
    """Median seconds of one learner's lab run (classroom.grading.grade.run_lab), jailed and
    unjailed, interleaved so that the machine's load falls on both alike; and of the jail
    probe (require_jail) each grade stage makes first."""
    sys.path.insert(0, str(root))
    from classroom.grading.grade import run_lab
    from classroom.grading.settings import load_settings
    from classroom.jail import require_jail

    _, limits = load_settings()
    runs = {True: [], False: []}
    for _ in range(2):
        for name in names:
            for jail in (True, False):
                with tempfile.TemporaryDirectory() as scratch:
                    outcome = run_lab(name, scratch, jail, limits)
                assert outcome.status == "ok", outcome.stderr
                runs[jail].append(outcome.seconds)
    probes = []
    for _ in range(10):
        start = time.monotonic()
        require_jail()
        probes.append(time.monotonic() - start)
    return (statistics.median(runs[True]), statistics.median(runs[False]),
            statistics.median(probes))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-classroom-") as tmp:
        root = Path(tmp)
        build(root, args.learners)
        room = root / "classroom"
        class_s, out = timed([BIN / "dvc", "repro"], room)
        passed = sh(["grep", "-c", ",graded,true,", "gradebook.csv"], room).strip()
        model = room / "learners" / "learner07" / "phase-07" / "07-train-tense-logits" / "model.py"
        model.write_text(model.read_text() + "\n# an edit\n")
        edit_s, out = timed([BIN / "dvc", "repro"], room)
        regraded = [line for line in out.splitlines() if line.startswith("Running stage 'grade@")]
        names = [f"learner{i:02d}" for i in range(min(6, args.learners))]
        jailed, unjailed, probe = jail_cost(root, names)
    numbers = {"learners": args.learners, "passed": int(passed), "class_seconds": class_s,
               "edit_seconds": edit_s, "regraded_stages": len(regraded),
               "grade_seconds_jailed": jailed, "grade_seconds_unjailed": unjailed,
               "jail_adds_seconds": jailed - unjailed, "jail_probe_seconds": probe,
               "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    print(f"a class of {args.learners} correct labs: {class_s:.1f} s with `dvc repro`"
          f" ({passed} passed; target 120 s)")
    print(f"one learner's edit: {edit_s:.1f} s, {len(regraded)} grade stage re-run (target 10 s)")
    print(f"one learner's lab run: {jailed:.3f} s jailed, {unjailed:.3f} s unjailed (medians of"
          f" {2 * len(names)}): the jail adds {jailed - unjailed:+.3f} s, and each grade stage's"
          f" jail probe {probe:.3f} s (load average {os.getloadavg()[0]:.1f} on"
          f" {os.cpu_count()} CPUs)")
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1) + "\n")


if __name__ == "__main__":
    main()
