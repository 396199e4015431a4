"""feedback.md: one learner's grade, in the lab's words, for the teacher to hand back."""

STATUS = {
    "graded": "Your lab ran to the end and was graded.",
    "timed out": "Your lab did not finish in the time a class allows, so it could not be graded.",
    "out of memory": "Your lab ran out of the memory a class allows, so it could not be graded.",
    "crashed": "Your lab stopped with an error, so it could not be graded.",
    "refused": "Your lab's files are not ready to run yet, so it could not be graded.",
}


def page(result):
    v = result["verdict"]
    lines = [f"# Lab 07: {v['learner']}", "",
             f"**{'PASSED' if v['passed'] else 'NOT PASSED'}.** {STATUS[v['status']]}", ""]
    if v["detail"]:
        lines += [f"What happened: {v['detail']}", ""]
    if v["status"] == "graded":
        lines += ["## The lab's stop conditions", ""]
        lines += [f"- [{'x' if c['met'] else ' '}] {c['condition']}: {c['why']}"
                  for c in v["conditions"]]
        lines += ["", f"Final loss {v['final_loss']:.6g}, {v['accuracy']:.0%} of the tenses right.",
                  "", "## Your training, replayed", ""]
        if v["replay"]["matched"]:
            lines.append("The grader trained minigrad's own MLP from your starting weights with the"
                         " lab's SGD (lr 0.05, 300 epochs, gradients zeroed before each"
                         " backward) and reached your final weights: your Blocks A to C train as"
                         " the lab does.")
        else:
            lines.append("The grader trained minigrad's own MLP from your starting weights with the"
                         " lab's SGD and did not reach your final weights: something in Blocks A"
                         " to C trains differently from the lab. The advice below says where.")
        lines += ["", "## What the grader found", ""]
        lines += [f"- {f}" for f in result["findings"]] or ["Nothing: every check holds."]
        lines += ["", "![your computation graph](graph.svg)", ""]
    if v["status"] != "graded":
        return "\n".join(lines) + "\n"  # the lab check did not finish: no advice to give
    lines += ["## Advice from the lab check", "",
              "The lab check ran beside your code, so this is advice, not the grade:", ""]
    lines += [f"- {f}" for f in result["advice"]] or ["- No advice: it found nothing to change."]
    return "\n".join(lines) + "\n"
