"""The gradebook: python -m classroom.grading.gradebook (run from classroom/, by DVC).

Reads every learner's graded/NAME/verdict.json, findings.json and loss.csv and writes
gradebook.csv (a row per learner), README.md (the same table, and how many learners each
finding touched) and curves.csv (every curve beside the lab's reference, for `dvc plots`).
"""

import csv
import io
import json
import re
import sys
from collections import Counter

from classroom.grading.replay import reference
from classroom.grading.settings import CLASSROOM, GRADED, ROSTER

import yaml

COLUMNS = ["learner", "status", "passed", "final_loss", "accuracy", "stop_conditions_met",
           "findings", "detail"]
# "classroom/.../train.py, Block C, step 3: the gradients add up over ..." -> its Block, the
# place within the Block, then the first words of what it says, up to a "(" or ":"
FINDING = re.compile(r"(?:.*?, )?((?:Block [A-E])|replay)(?:, ([^:]*))?: (.*)")
WORDS = 4


def short_name(finding):
    """A finding's short name: "Block C step 3: the gradients add up". Stable as long as the
    finding's first words are, and free of the gradebook's `;` and `,`."""
    match = FINDING.match(finding)
    if not match:
        head, words = "other", finding.split()
    else:
        head = " ".join(filter(None, [match.group(1), match.group(2)]))
        words = re.split(r"[(:;]", match.group(3))[0].split()
    text = " ".join(words[:WORDS])
    return re.sub(r"[;,`]", "", f"{head}: {text}").strip()


def row(name):
    folder = GRADED / name
    grade = json.loads((folder / "verdict.json").read_text(encoding="utf-8"))["grade"]
    found = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    names = list(dict.fromkeys(short_name(f) for f in found["findings"] + found["advice"]))
    number = (lambda x, fmt: "" if x is None else format(x, fmt))
    return {"learner": name, "status": grade["status"], "passed": str(grade["passed"]).lower(),
            "final_loss": number(grade["final_loss"], ".6g"),
            "accuracy": number(grade["accuracy"], "g"),
            "stop_conditions_met": grade["stop_conditions_met"], "findings": ";".join(names),
            "detail": grade["detail"] or ""}


def curve(name):
    with open(GRADED / name / "loss.csv", encoding="utf-8") as f:
        return [(int(r["epoch"]), float(r["loss"])) for r in csv.DictReader(f)]


def readme(rows):
    counts = Counter(n for r in rows for n in filter(None, r["findings"].split(";")))
    n = len(rows)
    passed = sum(r["passed"] == "true" for r in rows)
    cell = lambda text: str(text).replace("|", "\\|")
    lines = ["# The class's gradebook", "",
             "Written by `make class` (the gradebook stage of dvc.yaml): do not edit. Each"
             " learner's feedback page, to hand back, is `graded/NAME/feedback.md`.", "",
             f"{passed} of {n} passed.", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(r[c]) for c in COLUMNS) + " |" for r in rows]
    lines += ["", "## Findings across the class", ""]
    lines += [f"- {name}: {count} of {n}" for name, count in
              sorted(counts.items(), key=lambda item: (-item[1], item[0]))] or ["- none"]
    lines += ["", "Every learner's loss curve beside the lab's reference:"
              " `cd classroom && dvc plots show` (curves.csv).", ""]
    return "\n".join(lines)


def main():
    names = yaml.safe_load(ROSTER.read_text(encoding="utf-8"))["learners"]
    rows = [row(name) for name in names]
    table = io.StringIO()
    writer = csv.DictWriter(table, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (CLASSROOM / "gradebook.csv").write_text(table.getvalue(), encoding="utf-8")
    (CLASSROOM / "README.md").write_text(readme(rows), encoding="utf-8")
    # one long table, a curve per `learner`: DVC's plots draw it with one color per learner
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["learner", "epoch", "loss"])
    writer.writerows(("reference (the lab)", epoch, repr(loss))
                     for epoch, loss in enumerate(reference(), 1))
    for name in names:
        writer.writerows((name, epoch, repr(loss)) for epoch, loss in curve(name))
    (CLASSROOM / "curves.csv").write_text(table.getvalue(), encoding="utf-8")
    print(f"gradebook: {sum(r['passed'] == 'true' for r in rows)} of {len(rows)} passed;"
          " classroom/gradebook.csv, classroom/README.md")


if __name__ == "__main__":
    sys.exit(main())
