"""The report's "What to improve": the lab's mistakes first, then the curve's advice only if
there are none, since the curve cannot tell a mistake from a setting."""

__all__ = ["what_to_improve"]


def what_to_improve(advice, lab_checks):
    notes = "".join(f"- {note}\n" for note in lab_checks["notes"])
    if not lab_checks["findings"]:
        return advice + (f"\n\n{notes}" if notes else "")
    found = "".join(f"- {finding}\n" for finding in lab_checks["findings"])
    return (f"Before training, the lab's code was watched through two epochs on a copy of its"
            f" model, at each step the lab names, and differs from what the engine computes"
            f" for the lab's Blocks at the same weights:\n\n{found}{notes}\nFix these first:"
            " the curve above shows what they do to training, and advice on the settings (lr,"
            " hidden size, epochs) would name the wrong cause.")
