"""The lab's four stop conditions, each judged from what a run left: its loss per epoch, its
predictions, the lab check of its drawing, and its manifests. The learner's verify stage and
the classroom's gradebook both judge with these, so a run means the same in both.
"""

__all__ = ["NOISE", "final_loss", "rises", "stop_conditions", "passed"]

# A rise is an epoch whose loss exceeds the one before by more than float noise: more than
# NOISE times the larger of the two. Summing the same 25 terms in another order moves a loss
# by a few ulps (about 1e-16 relative); a real rise at the lab's lr is 1e-6 or more.
NOISE = 1e-12


def final_loss(losses):
    """The run's final loss: the loss the last epoch starts from, as loss.csv's last row."""
    return losses[-1]


def rises(losses):
    """The epochs, numbered as loss.csv numbers them (from 1), whose loss is above the one
    before by more than NOISE."""
    return [epoch for epoch in range(2, len(losses) + 1)
            if losses[epoch - 1] - losses[epoch - 2] > NOISE * max(abs(losses[epoch - 1]),
                                                                   abs(losses[epoch - 2]))]


def _epochs(numbers):
    shown = ", ".join(map(str, numbers[:5]))
    return f"{shown}{', ...' if len(numbers) > 5 else ''}"


def stop_conditions(losses, correct, total, drawing_findings, manifests, max_loss):
    """The four conditions in the lab's order, each {"condition", "met", "why"}.

    `drawing_findings` is None where no drawing was checked; `manifests` maps each manifest's
    path to whether it exists with the schema's keys."""
    final = final_loss(losses) if losses else float("nan")
    up = rises(losses)
    if not losses:
        curve = (False, "no epoch ran")
    elif up:
        curve = (False, f"the loss rose at {len(up)} epoch{'s' if len(up) > 1 else ''}"
                        f" ({_epochs(up)}, as loss.csv numbers them)")
    elif not final < max_loss:
        curve = (False, f"it never rose, but ended at {final:.4g}, not below {max_loss:g}")
    else:
        curve = (True, f"it fell at every epoch, from {losses[0]:.4g} to {final:.4g}, below"
                       f" {max_loss:g}")
    if drawing_findings is None:
        drawn = (False, "no drawing was made")
    elif drawing_findings:
        drawn = (False, f"the lab check of the drawing found {len(drawing_findings)}"
                        f" difference{'s' if len(drawing_findings) > 1 else ''} from the graph")
    else:
        drawn = (True, "every value is drawn once, with its data then its grad, and every edge"
                       " runs from an input to its result")
    missing = [path for path, ok in manifests.items() if not ok]
    written = (not missing, "both written with the schema's keys" if not missing else
               f"missing or incomplete: {', '.join(missing)}")
    return [
        {"condition": f"the loss decreases at every epoch to below {max_loss:g}",
         "met": curve[0], "why": curve[1]},
        {"condition": f"all {total} tenses predicted right", "met": correct == total,
         "why": f"{correct} of {total} right"},
        {"condition": "graph.svg drawn and correct", "met": drawn[0], "why": drawn[1]},
        {"condition": "both manifest.json files exist with the standard schema",
         "met": written[0], "why": written[1]},
    ]


def passed(conditions, findings):
    """The lab passes when the lab check found no mistake in its code and the first three
    conditions hold; the fourth, the manifests, the pipeline writes itself."""
    return not findings and all(c["met"] for c in conditions[:3])
