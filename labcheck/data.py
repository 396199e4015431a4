"""Block B, read from the learner's xs and ys: their numbers, and their objects."""

from labcheck.contract import shown
from labcheck.model import values

__all__ = ["check_data"]


def check_data(lab, xs, ys):
    """Are xs the five one-hot tenses, each once, and ys their -1/+1 targets? [] or findings."""
    path = shown(lab.train.__file__)
    rows_x, rows_y = [values(x) for x in xs], [values(y) for y in ys]
    n = len(rows_x)
    for name, rows in (("xs", xs), ("ys", ys)):
        if len({id(r) for r in rows}) < len(rows):  # `[[0.0] * 5] * 5`: one list, five times
            return [f"{path}, Block B: the rows of `{name}` are {len({id(r) for r in rows})}"
                    f" list object(s) repeated, not {len(rows)} lists (`[[...] * 5] * 5`"
                    f" repeats one list, so a change to one row changes all): build each row"
                    f" with its own list, `[[... for j in range(5)] for i in range(5)]`"]
    for i, x in enumerate(rows_x):
        if sorted(x) != [0.0] * (len(x) - 1) + [1.0]:
            return [f"{path}, Block B: xs[{i}] = {x} is not a one-hot vector (a single 1 among"
                    " 0s)"]
    hot = [x.index(1.0) for x in rows_x]
    if sorted(hot) != list(range(n)):
        twice = sorted({h for h in hot if hot.count(h) > 1})
        return [f"{path}, Block B: xs does not hold each of the {n} tenses once: tense"
                f" {', '.join(map(str, twice))} is there {max(map(hot.count, twice))} times,"
                f" tense {', '.join(str(t) for t in range(n) if t not in hot)} not at all"]
    wanted = [[1.0 if v == 1 else -1.0 for v in x] for x in rows_x]
    if rows_y == wanted:
        return []
    if [[1.0 if v == 1 else 0.0 for v in x] for x in rows_x] == rows_y:
        return [f"{path}, Block B: the targets are 0/1; tanh's outputs lie in (-1, 1), so the"
                " lab marks the other tenses -1, not 0 (a 0 asks for a mid-range output): use"
                " -1 for the other four tenses, +1 for the tense itself"]
    if [[-v for v in y] for y in wanted] == rows_y:
        return [f"{path}, Block B: every target has its signs flipped: -1 for the tense itself"
                " and +1 for the other four, where the lab gives the tense +1 and the others -1"]
    i = next(i for i, (y, w) in enumerate(zip(rows_y, wanted)) if y != w)
    return [f"{path}, Block B: ys[{i}] = {rows_y[i]}, but for xs[{i}] = {rows_x[i]} the lab's"
            f" target is {wanted[i]} (+1 for its tense, -1 for the other four)"]
