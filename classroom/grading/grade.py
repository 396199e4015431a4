"""Grade one learner: python -m classroom.grading.grade NAME (run from classroom/, by DVC).

The learner's lab runs in the jail (labcheck.run, at the lab's settings), which leaves a record
of the initial and final weights, the losses, the lab check's findings and the drawing's DOT.
That record was written in the same process as the learner's code, so here it is only data:
the lab's SGD is replayed with minigrad from the initial weights and must reach the final ones,
the initial weights are checked against Block A, the accuracy is measured from the final
weights, and Block E's check runs again on the DOT. The lab check's own findings are shown as
advice. Writes graded/NAME/: verdict.json, loss.csv, findings.json, graph.svg, feedback.md.

Every status exits 0 (DVC would delete a failed stage's outputs and stop the class); only a
grader that cannot run (bad settings, no jail, no Graphviz) exits 1, in one line.
"""

import csv
import io
import json
import math
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from classroom.grading import feedback
from classroom.grading.replay import (MAX_LOSS, TOLERANCE, check_start, correct, distance,
                                      replay)
from classroom.grading.roster import NAME
from classroom.grading.settings import GRADED, LEARNERS, REPO, SettingsError, load_settings
from classroom.jail import JailUnavailable, python_binds, require_jail, run_jailed
from labcheck.conditions import final_loss, passed, stop_conditions
from labcheck.graph import DotMissing, check_drawing
from labcheck.run import LAB
from minigrad import Value

RECORD_BYTES = 4 * 1024 * 1024  # record.json of a lab run is ~11 kB; a learner may leave more
LINE = 400  # the most of one line of the learner's making (a phase, an error) that is kept
# The lab's drawing (11 Values, 10 edges) is under 1 kB of DOT; a source this large is not that
# drawing, and laying it out could keep Graphviz busy for minutes, outside the jail.
DOT_BYTES = 64 * 1024
# Graphviz lays the lab's drawing out in milliseconds; it runs here, outside the jail, so a
# drawing made to keep it busy is cut short
DOT_SECONDS = 10
JAIL_LAB = "/lab"  # where run_lab binds the learner's folder in the jail
SHAPE = [(5, 4), (4, 5)]  # (inputs, neurons) per layer: MLP(5, [4, 5])


class GraderError(Exception):
    """The grader cannot run here (not the learner's doing); one line."""


def read_untrusted(path, limit):
    """The text of a file the learner's run left, or None: a regular file only (not a link to
    elsewhere), at most `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read(limit).decode("utf-8", errors="replace")


def clean(text):
    """A string from the learner's run, as text any file or terminal takes: a lone surrogate
    (which no UTF-8 file can hold) becomes `?`."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


def one_line(text):
    text = " ".join(clean(text).split())
    return text if len(text) <= LINE else text[:LINE - 3] + "..."


def _numbers(value, n):
    if not (isinstance(value, list) and len(value) == n):
        raise ValueError
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        raise ValueError
    return [float(x) for x in value]


def _weights(value):
    """record.json's weights, checked to be MLP(5, [4, 5])'s, as plain floats."""
    if not (isinstance(value, list) and len(value) == len(SHAPE)):
        raise ValueError
    layers = []
    for layer, (n_in, n_out) in zip(value, SHAPE):
        if not (isinstance(layer, list) and len(layer) == n_out):
            raise ValueError
        layers.append([{"w": _numbers(n.get("w") if isinstance(n, dict) else None, n_in),
                        "b": _numbers([n.get("b")], 1)[0]} for n in layer])
    return layers


def parse_record(text):
    """What the grade reads of record.json, or ValueError: weights in the lab's shape, a list
    of losses, one-line messages and the DOT source."""
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError
    refused, crashed = record.get("refused"), record.get("crashed")
    out = {"refused": None if refused is None else one_line(refused),
           "crashed": None if crashed is None else one_line(crashed)}
    if out["refused"] or out["crashed"]:
        return out
    out["initial"], out["final"] = _weights(record.get("initial")), _weights(record.get("final"))
    losses = record.get("losses")
    out["losses"] = _numbers(losses, len(losses) if isinstance(losses, list) else -1)
    findings = record.get("findings")
    out["advice"] = [one_line(f) for f in findings] if isinstance(findings, list) else []
    drawing = record.get("drawing")
    dot = drawing.get("dot") if isinstance(drawing, dict) else None
    out["dot"] = clean(dot) if isinstance(dot, str) else None
    return out


def run_lab(name, scratch, jail, limits, seed=None):
    """The lab run (labcheck.run) on the learner's folder, in the jail unless told not to; at
    `seed`, where given, instead of the lab's."""
    folder = LEARNERS / name / "phase-07"
    shown = f"classroom/learners/{name}/phase-07"
    if jail:
        code = "/jail/code"
        readonly = [*python_binds(sys.prefix), (str(REPO / "minigrad"), f"{code}/minigrad"),
                    (str(REPO / "labcheck"), f"{code}/labcheck"), (str(folder), JAIL_LAB)]
        lab, out = JAIL_LAB, "/scratch"
    else:
        code, readonly, lab, out = str(REPO), [], str(folder), str(scratch)
    argv = [sys.executable, "-m", "labcheck.run", lab, out, "--shown-as", shown,
            *(["--seed", str(seed)] if seed is not None else [])]
    return run_jailed(argv, readonly=readonly, scratch=str(scratch), limits=limits,
                      env={"PYTHONPATH": code}, jailed=jail)


def as_shown(text, shown):
    """`text` with the jail's path of the learner's folder put back as the repository's: the
    checker names most files by --shown-as, but not every message does (a syntax error, a
    missing file), and a traceback line never does."""
    return re.sub(rf"(?<![\w./-]){JAIL_LAB}(?=/)", shown, text)


def where(scratch):
    """What the run was doing when it ended (labcheck.run's phase file), or None."""
    text = read_untrusted(Path(scratch) / "phase", LINE)
    return one_line(text) if text and text.strip() else None


def ungraded(name, detail):
    """A verdict with nothing graded: `crashed` until told otherwise."""
    verdict = {"learner": name, "status": "crashed", "detail": detail, "passed": False,
               "final_loss": None, "accuracy": None, "stop_conditions_met": 0,
               "conditions": [], "replay": None}
    return {"verdict": verdict, "losses": [], "findings": [], "advice": [], "dot": None}


def judge(name, outcome, scratch, limits):
    """The verdict from how the run ended and what it recorded, judged here."""
    shown = f"classroom/learners/{name}/phase-07"
    train_py = f"{shown}/07-train-tense-logits/train.py"
    viz_py = f"{shown}/07-visualize-graph/viz.py"
    result = ungraded(name, None)
    verdict = result["verdict"]
    phase = where(scratch)
    if outcome.status in ("timed out", "out of memory"):
        after = (f" after {limits.wall_seconds:g} s" if outcome.seconds >= limits.wall_seconds
                 else f" after {limits.cpu_seconds:g} s of CPU" if outcome.status == "timed out"
                 else f" (more than {limits.memory_mb} MB)")
        verdict["status"] = outcome.status
        verdict["detail"] = f"{outcome.status}{after}" + (f" in {phase}" if phase else "")
        return result
    text = read_untrusted(Path(scratch) / "record.json", RECORD_BYTES)
    if outcome.status != "ok" or text is None:
        said = [line for line in outcome.stderr.splitlines() if line.strip()]
        verdict["status"] = "crashed"
        verdict["detail"] = one_line(as_shown(
            f"the run ended with exit {outcome.returncode}" + (f" in {phase}" if phase else "")
            + (f": {said[-1]}" if said else ""), shown))
        return result
    try:
        record = parse_record(text)
    except (ValueError, TypeError, AttributeError, RecursionError):
        verdict["detail"] = "its run left a record.json that is not the lab run's"
        return result
    for status in ("refused", "crashed"):
        if record[status]:
            # RLIMIT_AS ends an allocation in a MemoryError, which the checker reports as the
            # learner's own exception: it is the memory limit all the same
            memory = "MemoryError" in record[status]
            verdict["status"] = "out of memory" if memory else status
            verdict["detail"] = as_shown(record[status], shown)
            return result
    verdict["status"] = "graded"
    result["initial"] = record["initial"]
    result["advice"] = [as_shown(line, shown) for line in record["advice"]]
    result["dot"] = record["dot"]

    # 1-2: the lab's SGD from the learner's initial weights must reach their final weights
    replayed, final = replay(record["initial"])
    gap = distance(final, record["final"])
    matched = gap <= TOLERANCE
    verdict["replay"] = {"max_difference": gap if math.isfinite(gap) else None,
                         "tolerance": TOLERANCE, "matched": matched}
    findings = []
    if not matched:
        findings.append(f"{train_py}, replay: the final weights differ from the lab's SGD"
                        f" replayed from the same starting weights (by up to {gap:.3g},"
                        f" tolerance {TOLERANCE:g}): Blocks A to C do not train as the lab does")
    # 3: the start, against Block A
    findings += check_start(record["initial"], f"{shown}/07-train-tense-logits/model.py")
    # 4: the curve is the replay's when the weights match (the learner's own run, to rounding,
    # computed where the learner's code never ran); otherwise the curve the run recorded,
    # which only shows what the code did: the verdict fails on the replay already. Accuracy is
    # always that of the learner's final weights, run through minigrad.nn.MLP.
    losses = replayed if matched else record["losses"]
    right = correct(record["final"])
    # 5: Block E's check, here, on the DOT the learner's draw() returned
    drawn = None
    if record["dot"] and len(record["dot"].encode()) > DOT_BYTES:
        drawn = [f"{viz_py}, Block E: draw(root) returned {len(record['dot'].encode())} bytes"
                 f" of DOT, where the lab's graph of 11 values takes under 1 kB: it was not"
                 f" checked or drawn"]
        findings += drawn
        result["dot"] = None
    elif record["dot"]:
        a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
        root = (a * b + c) * (a - c)
        root.backward()
        try:
            drawn = check_drawing(record["dot"], root, viz_py, timeout=DOT_SECONDS).findings
        except subprocess.TimeoutExpired:
            drawn = [f"{viz_py}, Block E: Graphviz could not lay the drawing out in time"]
            result["dot"] = None
        findings += drawn
    conditions = stop_conditions(losses, right, 5, drawn, {}, MAX_LOSS)
    # The fourth condition is the learner's pipeline writing its manifests; a class runs no
    # pipeline of the learner's, so it is not asked here and counts as met.
    conditions[3] = {**conditions[3], "met": True,
                     "why": "not asked in a class: the learner's pipeline writes them"}
    verdict.update(passed=passed(conditions, findings),
                   final_loss=final_loss(losses) if losses else None,
                   accuracy=right / 5,
                   stop_conditions_met=sum(c["met"] for c in conditions),
                   conditions=conditions)
    result.update(losses=losses, findings=findings)
    return result


def challenge_seed():
    """A seed the learner's code cannot know before it runs: a record kept from a good run (or
    computed once, then replayed) cannot match a run at it."""
    seed = secrets.randbelow(2**31 - 2) + 1
    return seed if seed != LAB["seed"] else seed + 1


def recheck(name, outcome, scratch, seed, first):
    """A finding, or None: the lab run again at another seed must draw other starting weights
    and train from them as the lab's SGD does. A run that recorded weights rather than drawn
    and trained them (a forged record) fails here, since it cannot know the seed ahead."""
    train_py = f"classroom/learners/{name}/phase-07/07-train-tense-logits/train.py"
    text = read_untrusted(Path(scratch) / "record.json", RECORD_BYTES)
    why = None
    if outcome.status != "ok" or text is None:
        why = f"it ended as {outcome.status}" + (f" in {where(scratch)}" if where(scratch) else "")
    else:
        try:
            record = parse_record(text)
            if record["refused"] or record["crashed"]:
                why = "it was " + ("refused" if record["refused"] else "stopped by an error")
            elif record["initial"] == first:
                why = "it started from the very weights of the run at seed 42"
            else:
                gap = distance(replay(record["initial"])[1], record["final"])
                if not gap <= TOLERANCE:
                    why = (f"its final weights differ from the lab's SGD replayed from its"
                           f" starting weights, by up to {gap:.3g}")
        except (ValueError, TypeError, AttributeError, RecursionError):
            why = "it left a record.json that is not the lab run's"
    if why is None:
        return None
    return (f"{train_py}, replay: unreproducible at another seed: the lab, run again from seed"
            f" {seed} instead of 42, did not draw and train its own weights ({why}), so the run"
            " at seed 42 is not taken as the lab's")


def _without_names(svg):
    """The SVG without the DOT's node names (its <title>s and comments): a drawing that names
    nodes by id(value), as micrograd's does, would otherwise differ at every run, and so would
    the learner's cached outputs and dvc.lock, with nothing changed."""
    return re.sub(r"<title>.*?</title>\n?|<!--.*?-->\n?", "", svg, flags=re.S)


def render_svg(dot):
    """graph.svg from the learner's DOT, or a page that says there is none."""
    if dot:
        try:
            done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True,
                                  timeout=DOT_SECONDS)
            if done.returncode == 0:
                return _without_names(done.stdout.decode("utf-8", errors="replace"))
        except subprocess.TimeoutExpired:
            pass
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40"><text x="10"'
            ' y="25">no drawing: Graphviz could not lay it out</text></svg>\n'
            if dot else '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40">'
            '<text x="10" y="25">no drawing was made</text></svg>\n')


def write(name, result):
    out = GRADED / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    # the "grade" key keeps these metrics apart from the learner pipeline's (final_loss...)
    (out / "verdict.json").write_text(json.dumps({"grade": result["verdict"]}, indent=1) + "\n",
                                      encoding="utf-8")
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["epoch", "loss"])
    writer.writerows((epoch, repr(loss)) for epoch, loss in enumerate(result["losses"], 1))
    (out / "loss.csv").write_text(table.getvalue(), encoding="utf-8")
    (out / "findings.json").write_text(json.dumps(
        {"findings": result["findings"], "advice": result["advice"]}, indent=1) + "\n",
        encoding="utf-8")
    (out / "graph.svg").write_text(clean(render_svg(result["dot"])), encoding="utf-8")
    (out / "feedback.md").write_text(clean(feedback.page(result)), encoding="utf-8")


def grade(name):
    if not NAME.fullmatch(name) or not (LEARNERS / name).is_dir():
        raise GraderError(f"no learner {name!r}: the learners are the folders under"
                          " classroom/learners/")
    try:
        jail, limits = load_settings()
        if jail:
            require_jail()
    except (SettingsError, JailUnavailable) as err:
        raise GraderError(str(err)) from None
    if shutil.which("dot") is None:
        raise GraderError("Graphviz's `dot` is not on PATH: run `make setup`")
    with tempfile.TemporaryDirectory(prefix=f"grade-{name}-") as scratch, \
            tempfile.TemporaryDirectory(prefix=f"grade-{name}-again-") as again:
        outcome = run_lab(name, scratch, jail, limits)
        try:
            result = judge(name, outcome, scratch, limits)
            # a run that would pass is asked again, at a seed its code cannot know ahead
            if result["verdict"]["passed"]:
                seed = challenge_seed()
                finding = recheck(name, run_lab(name, again, jail, limits, seed), again, seed,
                                  result["initial"])
                if finding:
                    result["findings"].append(finding)
                    result["verdict"]["passed"] = False
        except DotMissing as err:
            raise GraderError(str(err)) from None
        except Exception as err:  # noqa: BLE001
            # numbers no lab run writes (a record forged to trip the grader, or a grader bug)
            # must not stop the rest of the class: this learner is marked, with the cause
            result = ungraded(name, f"its run's record could not be graded:"
                                      f" {type(err).__name__}: {one_line(err)}")
    write(name, result)
    v = result["verdict"]
    print(f"{name}: {v['status']}" + (f" ({v['detail']})" if v["detail"] else "")
          + (", passed" if v["passed"] else ", not passed"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m classroom.grading.grade NAME", file=sys.stderr)
        return 2
    try:
        grade(argv[0])
    except GraderError as err:
        print(f"grade {argv[0]}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
