"""The files' contract: the names the stages call in a learner's model.py, train.py and
viz.py, each imported and called once (`check_lab`), so that a file that is not ready is
refused in one line, before any stage that owns results runs. Also how the learner's code is
called (`learner_call`) and named in messages (`shown`).
"""

import importlib.util
import inspect
import sys
import traceback
from pathlib import Path

from minigrad import Value

__all__ = ["LabError", "Lab", "load", "check_lab", "mlp_kwargs", "learner_call", "init_range_note",
           "shown", "describe", "SHOWN_AS", "N_TENSES"]

N_TENSES = 5


class LabError(Exception):
    """A lab file does not give the pipeline what it calls, or raised inside its own code: one
    line that names the file, the Block and what to write (the stages print it as their error)."""


class _TrainsOnImport(Exception):
    pass


def _refuse_backward(self):
    raise _TrainsOnImport()


# Where the learner's files are shown from: the classroom runs a lab inside a jail, whose
# paths mean nothing to the teacher, and maps the jail's folder to the repository's here.
SHOWN_AS: dict[str, str] = {}


def shown(path):
    """A lab file's path as its reader knows it: relative to the working directory, or as
    SHOWN_AS maps its folder."""
    path = Path(path).resolve()
    for folder, name in SHOWN_AS.items():
        if path.is_relative_to(folder):
            return str(Path(name) / path.relative_to(folder))
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)



def _frames(err, folders):
    """The traceback's frames in the lab's folders, a comprehension's inner frame dropped."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if any(Path(f.filename).resolve().is_relative_to(d) for d in folders)]
    return [f for i, f in enumerate(frames)
            if not (f.name.startswith("<") and i and frames[i - 1].lineno == f.lineno)]


def learner_frames(err, folders):
    """The learner's frames, one line each: `file, line N, in f: the code`."""
    return "".join(f"\n  {shown(f.filename)}, line {f.lineno}, in {f.name}: {f.line}"
                   for f in _frames(err, folders))


def _at(err, folders):
    """' (file, line N)' of the innermost of the learner's frames."""
    frames = _frames(err, folders)
    return f" ({shown(frames[-1].filename)}, line {frames[-1].lineno})" if frames else ""


class Lab:
    """The three lab files as loaded modules: `model`, `train`, `viz` (a module or None)."""

    def __init__(self, model, train, viz, folders):
        self.model, self.train, self.viz, self.folders = model, train, viz, folders


def _import(path, name, folders):
    """The module at `path`, run once and kept in sys.modules as `name`."""
    path = Path(path)
    named = shown(path)  # as the reader knows it, in every message
    if not path.is_file():
        raise LabError(f"{named} is missing: write it, or bring the lab's answer back with"
                       f" `git checkout -- {named}`")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # so train.py's `from model import MLP` finds its neighbour
    spec = importlib.util.spec_from_file_location(name, path)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    backward = Value.backward
    Value.backward = _refuse_backward  # importing must not train: the stages run the epochs
    loaded = False
    try:
        spec.loader.exec_module(module)
        loaded = True
        return module
    except _TrainsOnImport as err:
        frames = _frames(err, folders)  # the outermost: the module's line that starts it
        start = f"its line {frames[0].lineno}" if frames else "it"
        raise LabError(f"{named} trains when it is imported: {start} reaches backward();"
                       " put the epoch loop in a function, or under"
                       " `if __name__ == \"__main__\":`, so the pipeline can run the epochs"
                       " itself (Block C)") from None
    except NotImplementedError as err:
        raise LabError(f"{named} is still to write: {err or 'NotImplementedError'}"
                       f"{_at(err, folders)}") from None
    except SyntaxError as err:
        raise LabError(f"{named}, line {err.lineno}: {err.msg}:"
                       f" {(err.text or '').strip()}") from None
    except Exception as err:
        raise LabError(f"{named} raised {type(err).__name__}: {err}, while being imported"
                       f"{learner_frames(err, folders)}") from None
    finally:
        Value.backward = backward
        if not loaded:
            sys.modules.pop(name, None)


def load(model_path=None, train_path=None, viz_path=None):
    """The lab's files that are given, imported (the model first, as train.py imports it)."""
    folders = [Path(p).resolve().parent for p in (model_path, train_path, viz_path) if p]
    sys.modules.pop("model", None)  # a fresh `from model import MLP` in train.py
    model, train, viz = (_import(path, name, folders) if path else None for path, name in
                         ((model_path, "model"), (train_path, "lab_train"), (viz_path, "lab_viz")))
    return Lab(model, train, viz, folders)


def learner_call(lab, doing, fn, *args, **kwargs):
    """fn(*args): an exception inside the learner's code becomes a LabError that says what the
    pipeline was doing and shows the learner's frames only."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:  # a skeleton's body: the Block it names is still to write
        raise LabError(f"still to write: {err or 'NotImplementedError'}{_at(err, lab.folders)},"
                       f" met while {doing}") from None
    except Exception as err:
        raise LabError(f"{type(err).__name__}: {err}, while {doing}"
                       f"{learner_frames(err, lab.folders)}") from None


def init_range_note(lab, init_range):
    """A line for a model.init_range that the lab's MLP cannot take, else None."""
    if init_range == 1.0 or mlp_kwargs(lab, init_range):
        return None
    return (f"params.yaml sets model.init_range to {init_range:g}, but"
            f" {shown(lab.model.__file__)}'s MLP takes no init_range, so its weights start as"
            " it draws them: give MLP an `init_range=1.0` argument for the setting to apply")


def mlp_kwargs(lab, init_range):
    """init_range by keyword, where the learner's MLP takes one."""
    return {"init_range": init_range} if "init_range" in _parameters(lab.model.MLP) else {}


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _takes(fn, *args):
    try:
        inspect.signature(fn).bind(*args)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): let the call tell
        pass
    return True


def _need(module, name, what, block, path):
    thing = getattr(module, name, None)
    if thing is None:
        raise LabError(f"{path} has no `{what}` ({block}); see the README, \"Doing the lab"
                       " yourself\"")
    return thing


def _is_number(v):
    return isinstance(v, (int, float, Value)) and not isinstance(v, bool)


def check_lab(paths, layer_sizes, init_range, lr):
    """Refuse, in one LabError, the first Block the lab's files do not provide yet."""
    lab = load(paths["model"], paths["train"], paths.get("viz"))
    mp, tp = shown(paths["model"]), shown(paths["train"])
    # Block A: the model
    MLP = _need(lab.model, "MLP", "MLP(n_in, layer_sizes)", "Block A", mp)
    if not _takes(MLP, N_TENSES, list(layer_sizes)):
        raise LabError(f"{mp}: MLP{inspect.signature(MLP)} cannot be called as"
                       f" MLP({N_TENSES}, {list(layer_sizes)}) (Block A: MLP(n_in, layer_sizes))")
    model = learner_call(lab, f"building MLP({N_TENSES}, {list(layer_sizes)}) (Block A)",
                         MLP, N_TENSES, list(layer_sizes), **mlp_kwargs(lab, init_range))
    from labcheck.model import check_forward, check_parameters_shape, check_structure

    check_structure(model, mp, layer_sizes)
    params = learner_call(lab, "calling model.parameters() (Block A)", model.parameters)
    check_parameters_shape(params, model, mp)
    # Block B: the data
    xs, ys = (_need(lab.train, n, n, "Block B: the five one-hot inputs and their targets", tp)
              for n in ("xs", "ys"))
    for name, rows in (("xs", xs), ("ys", ys)):
        if (not isinstance(rows, (list, tuple)) or len(rows) != N_TENSES
                or not all(isinstance(r, (list, tuple)) and len(r) == N_TENSES
                           and all(map(_is_number, r)) for r in rows)):
            if isinstance(rows, (list, tuple)):
                lengths = sorted({len(r) for r in rows if isinstance(r, (list, tuple))})
                count = (f"{len(rows)} rows" + (f" of {' or '.join(map(str, lengths))}"
                                                 f" item(s)" if lengths else ""))
            else:
                count = f"a {type(rows).__name__}"
            raise LabError(f"{tp}, Block B: `{name}` must be {N_TENSES} lists of {N_TENSES}"
                           f" numbers (or Values), one per tense, each a one-hot row for xs;"
                           f" it holds {count}")
    # a layer fed the wrong number of inputs, or a generator returned, is refused in the lab's
    # words, not as an engine error
    check_forward(lab, model, xs[:1])
    outputs = learner_call(lab, "calling model(xs[0]) (Block A)", model, xs[0])
    if not isinstance(outputs, (list, tuple)) or len(outputs) != layer_sizes[-1]:
        raise LabError(f"{mp}: model(x) must return the list of the last layer's"
                       f" {layer_sizes[-1]} outputs (Block A), got {describe(outputs)}")
    # Block C: the loss and the step
    total_loss = _need(lab.train, "total_loss", "total_loss(model, xs, ys)",
                       "Block C, steps 1-2: the predictions and the loss", tp)
    sgd_step = _need(lab.train, "sgd_step", "sgd_step(model, xs, ys, lr)",
                     "Block C, steps 1-5: one epoch", tp)
    for fn, args, call in ((total_loss, 3, "total_loss(model, xs, ys)"),
                           (sgd_step, 4, "sgd_step(model, xs, ys, lr)")):
        if not _takes(fn, *range(args)):
            raise LabError(f"{tp}: {fn.__name__}{inspect.signature(fn)} cannot be called as"
                           f" {call} (Block C)")
    loss = learner_call(lab, "calling total_loss(model, xs, ys) (Block C, steps 1-2)",
                        total_loss, model, xs, ys)
    if not isinstance(loss, Value):
        raise LabError(f"{tp}: total_loss(model, xs, ys) must return the loss as a Value, so"
                       f" that backward can reach the weights (Block C, step 2); got"
                       f" {describe(loss)}")
    learner_call(lab, "calling sgd_step(model, xs, ys, lr) (Block C, steps 1-5)",
                 sgd_step, model, xs, ys, lr)
    # Block E: the drawing
    if lab.viz is not None:
        vp = shown(paths["viz"])
        draw = _need(lab.viz, "draw", "draw(root)", "Block E: a Digraph of the graph", vp)
        a, b = Value(2.0, label="a"), Value(3.0, label="b")
        root = a * b + a
        root.backward()
        graph = learner_call(lab, "calling draw(root) (Block E)", draw, root)
        if not hasattr(graph, "pipe"):
            raise LabError(f"{vp}: draw(root) must return a graphviz Digraph (Block E), got"
                           f" {describe(graph)}")
    return lab


def describe(thing):
    """What a learner's function returned, in a few words: "a list of 4", "None"."""
    if isinstance(thing, (list, tuple)):
        return f"a {type(thing).__name__} of {len(thing)}"
    return "None" if thing is None else f"a {type(thing).__name__}"
