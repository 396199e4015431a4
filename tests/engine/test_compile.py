"""minigrad.compile: the generated step gives the eager engine's bits, or its errors.

Every comparison is bit for bit: equal floats (so 0.0 and -0.0 count as equal, as the
contract allows) or both NaN. Random graphs cover every op of ops.OPS, in both forms of the
generated code: straight-line (small graphs) and looped (wide graphs, forced here by a limit
of 0 lines and loops from 2 operands).
"""

import ast
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import MLP, Value
from minigrad.compiler import looped, straight, symbols, writer
import minigrad.compiler as step_py
from minigrad.ops import FLOATS, OPS
from minigrad.scalar import Value as ValueClass

LAB_FINAL_LOSS = 0.05310999703588311


def same(x, y):
    return x == y or (x != x and y != y)


def same_all(xs, ys):
    return len(xs) == len(ys) and all(same(x, y) for x, y in zip(xs, ys))


@pytest.fixture(params=["straight", "looped"])
def form(request, monkeypatch):
    """Run a test on both forms of generated code."""
    if request.param == "looped":
        monkeypatch.setattr(step_py, "UNROLL_LIMIT", 0)
        monkeypatch.setattr(looped, "ROLL_MIN", 2)
    return request.param


# -- random graphs over every op -----------------------------------------------------------------
# A recipe is a list of steps, each an op name and operands: ("node", i) is the i-th Value made
# so far (params first), ("const", x) a plain number. The same recipe builds the graph for eager
# and for the trace, so both see the same structure on the same data.

DATA = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0]),
                 st.floats(-4.0, 4.0, allow_nan=False))
CONSTANT = st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.5, -0.25, 3.0])
EXPONENT = st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5])
BASE = st.sampled_from([2.0, 0.5, 3.0, math.e])
UNARY = ["neg", "exp", "log", "tanh", "relu", "sigmoid", "abs"]
BINARY = ["+", "-", "*", "/"]
N_PARAMS = 3


@st.composite
def recipes(draw):
    steps = []
    made = N_PARAMS
    for _ in range(draw(st.integers(1, 9))):
        node = st.integers(0, made - 1).map(lambda i: ("node", i))
        operand = st.one_of(node, node, CONSTANT.map(lambda c: ("const", c)))
        name = draw(st.sampled_from(sorted(OPS)))
        if name in BINARY:
            a, b = draw(operand), draw(operand)
            if a[0] == "const" and b[0] == "const":
                b = draw(node)
            steps.append((name, [a, b]))
        elif name in UNARY:
            steps.append((name, [draw(node)]))
        elif name == "**n":
            steps.append((name, [draw(node), ("const", draw(EXPONENT))]))
        elif name == "k**":
            steps.append((name, [("const", draw(BASE)), draw(node)]))
        elif name == "**":
            steps.append((name, [draw(node), draw(node)]))
        elif name == "sum":
            steps.append((name, draw(st.lists(node, min_size=1, max_size=4))))
        elif name == "dot":
            n = draw(st.integers(1, 4))
            ws = draw(st.lists(node, min_size=n, max_size=n))
            xs = draw(st.lists(operand, min_size=n, max_size=n))
            steps.append((name, [*ws, *xs, draw(node)]))
        else:  # sse
            n = draw(st.integers(1, 4))
            outs = draw(st.lists(node, min_size=n, max_size=n))
            targets = draw(st.lists(operand, min_size=n, max_size=n))
            steps.append((name, [*outs, *targets]))
        made += 1
    return steps


def build(recipe, params):
    made = list(params)

    def get(operand):
        kind, x = operand
        return made[x] if kind == "node" else x

    for name, operands in recipe:
        args = [get(o) for o in operands]
        if name == "neg":
            out = -args[0]
        elif name in UNARY:
            out = getattr(Value, name)(args[0]) if name != "abs" else abs(args[0])
        elif name in BINARY or name in ("**n", "k**", "**"):
            a, b = args
            out = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                   "/": lambda: a / b}.get(name, lambda: a ** b)()
        elif name == "sum":
            out = Value.sum(args)
        elif name == "dot":
            n = (len(args) - 1) // 2
            out = Value.dot(args[:n], args[n : 2 * n], args[-1])
        else:
            n = len(args) // 2
            out = Value.squared_error(args[:n], args[n:])
        made.append(out)
    # the loss adds every node up, so each reaches it (the compiled step computes only nodes
    # the loss depends on: an error in a node it drops is not raised)
    return Value.sum(made[N_PARAMS:])


def eager_step(recipe, params, lr):
    """One eager step; ("ok", loss) or ("error", type, message), as the compiled step must."""
    try:
        loss = build(recipe, params)
    except (ValueError, ZeroDivisionError) as e:
        return ("error", type(e), str(e))
    return ("ok", sgd_step(lambda: loss, params, lr).data)


def sgd_step(loss_fn, params, lr):
    """What a compiled step replays: the loss, zeroed grads, backward, p.data -= lr * p.grad."""
    loss = loss_fn()
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss


def compiled_step(step):
    try:
        return ("ok", step())
    except (ValueError, ZeroDivisionError) as e:
        return ("error", type(e), str(e))


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(recipe=recipes(), data=st.lists(DATA, min_size=N_PARAMS, max_size=N_PARAMS),
       lr=st.sampled_from([0.1, 0.5, 1.0, 3.0]))
def test_random_graphs_give_eager_bits_over_several_steps(form, recipe, data, lr):
    eager_params = [Value(x) for x in data]
    params = [Value(x) for x in data]
    try:
        step = minigrad.compile(lambda: build(recipe, params), params, lr=lr)
    except (ValueError, ZeroDivisionError) as e:  # eager's error while tracing: eager's own
        assert eager_step(recipe, eager_params, lr) == ("error", type(e), str(e))
        return
    for _ in range(4):
        before = [(p.data, p.grad) for p in params]
        expected, got = eager_step(recipe, eager_params, lr), compiled_step(step)
        assert expected[0] == got[0], (expected, got, step.source)
        if expected[0] == "error":
            assert expected == got
            after = [(p.data, p.grad) for p in params]
            assert all(same(a, c) and same(b, d) for (a, b), (c, d) in zip(before, after))
            return
        assert same(expected[1], got[1]), (expected, got, step.source)
        assert same_all([p.grad for p in eager_params], [p.grad for p in params]), step.source
        assert same_all([p.data for p in eager_params], [p.data for p in params]), step.source


def test_relu_exactly_at_zero_and_a_shared_subexpression(form):
    a, b = Value(2.0, "a"), Value(2.0, "b")

    def loss_fn():
        d = a - b  # 0.0: relu's slope there is 0, as eager's
        return (d.relu() + d * a).relu() * (a + d)

    step = minigrad.compile(loss_fn, [a, b], lr=0.25)
    ea, eb = Value(2.0), Value(2.0)
    for _ in range(3):
        d = ea - eb
        loss = (d.relu() + d * ea).relu() * (ea + d)
        ea.grad = eb.grad = 0.0
        loss.backward()
        got = step()
        assert same(got, loss.data) and (a.grad, b.grad) == (ea.grad, eb.grad)
        ea.data -= 0.25 * ea.grad
        eb.data -= 0.25 * eb.grad
        assert (a.data, b.data) == (ea.data, eb.data)


# -- the lab ------------------------------------------------------------------------------------


def lab(seed_form):
    random.seed(42)
    model = MLP(5, [4, 5])
    xs = [[1.0 if i == j else 0.0 for j in range(5)] for i in range(5)]
    ys = [[2.0 * v - 1.0 for v in x] for x in xs]
    targets = [t for y in ys for t in y]
    if seed_form:
        def loss_fn():
            return sum((p - t) ** 2 for x, y in zip(xs, ys) for p, t in zip(model(x), y))
    else:
        def loss_fn():
            return Value.squared_error([o for x in xs for o in model(x)], targets)
    return loss_fn, model.parameters()


@pytest.mark.parametrize("seed_form", [False, True], ids=["squared_error", "sum_of_squares"])
def test_lab_training_is_bit_identical_to_eager_over_300_epochs(form, seed_form):
    loss_fn, params = lab(seed_form)
    for _ in range(300):
        loss = sgd_step(loss_fn, params, 0.05)
    eager = (loss.data, [p.data for p in params], [p.grad for p in params])
    loss_fn, params = lab(seed_form)
    step = minigrad.compile(loss_fn, params, lr=0.05)
    for _ in range(300):
        last = step()
    assert last == eager[0] == LAB_FINAL_LOSS
    assert [p.data for p in params] == eager[1]
    assert [p.grad for p in params] == eager[2]


def test_a_huge_learning_rate_gives_nan_at_the_second_step_as_eager():
    loss_fn, params = lab(seed_form=False)
    step = minigrad.compile(loss_fn, params, lr=1e308)
    first, second = step(), step()
    assert math.isfinite(first) and math.isnan(second)


def test_a_wide_network_runs_as_loops_with_the_eager_bits(monkeypatch):
    random.seed(1)
    model = MLP(8, [16, 16, 8])
    xs = [[1.0 if i == j else 0.0 for j in range(8)] for i in range(8)]
    targets = [2.0 * v - 1.0 for x in xs for v in x]

    def loss_fn():
        return Value.squared_error([o for x in xs for o in model(x)], targets)

    params = model.parameters()
    start = [p.data for p in params]
    eager = []
    for _ in range(3):
        loss = loss_fn()
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad
        eager.append((loss.data, [p.data for p in params], [p.grad for p in params]))
    for p, x in zip(params, start):
        p.data = x
    monkeypatch.setattr(step_py, "UNROLL_LIMIT", 0)
    step = minigrad.compile(loss_fn, params, lr=0.1)
    assert "for k in range(16):" in step.source and len(step.source.splitlines()) < 120
    for loss, data, grads in eager:
        assert step() == loss
        assert [p.data for p in params] == data and [p.grad for p in params] == grads


# -- domain errors: eager's exception and message, params untouched --------------------------


def expect_eager_error(make, data, new_data, eager):
    """Compile make(x) at x = data, then step at new_data: eager's error, x unchanged."""
    x = Value(data, "x")
    step = minigrad.compile(lambda: make(x), [x], lr=0.1)
    step()
    x.data, x.grad = new_data, 123.0
    with pytest.raises(Exception) as compiled:
        step()
    with pytest.raises(Exception) as expected:
        eager(Value(new_data))
    assert type(compiled.value) is type(expected.value)
    assert str(compiled.value) == str(expected.value)
    assert (x.data, x.grad) == (new_data, 123.0)


@pytest.mark.parametrize("case", [
    ("log of 0", lambda x: (x * 2.0).log(), 1.0, 0.0),
    ("log of a negative number", lambda x: x.log(), 1.0, -2.0),
    ("log of nan", lambda x: x.log(), 1.0, math.nan),
    ("zero divisor", lambda x: 1.0 / x, 2.0, 0.0),
    ("zero divisor, Value / Value", lambda x: (x + 1.0) / (x - 1.0), 2.0, 1.0),
    ("negative base, fractional power", lambda x: x ** 0.5, 4.0, -4.0),
    ("zero base, negative power", lambda x: x ** -1.0, 4.0, 0.0),
    ("Value ** Value, base 0", lambda x: x ** (x + 1.0), 2.0, 0.0),
    ("Value ** Value, negative base", lambda x: x ** (x * 1.0), 2.0, -3.0),
], ids=lambda case: case[0])
def test_a_domain_error_is_eagers_and_leaves_params_untouched(form, case):
    _, make, data, new_data = case
    expect_eager_error(make, data, new_data, make)


def test_an_overflow_gives_inf_as_eager():
    x = Value(1.0)
    step = minigrad.compile(lambda: (x * 800.0).exp() + 2.0 ** (x * 2000.0), [x])
    assert step() == math.inf and x.grad == math.inf
    e = Value(1.0)
    loss = (e * 800.0).exp() + 2.0 ** (e * 2000.0)
    loss.backward()
    assert loss.data == math.inf and e.grad == math.inf


# -- the source ---------------------------------------------------------------------------------


def every_op_graph():
    a, b, c = Value(0.5, "a"), Value(2.0, "b"), Value(-1.5, "c\n'label'")
    nodes = [a + b, a - c, a * b, a / b, -c, a ** 2, 2.0 ** a, b ** a, a.exp(), b.log(),
             c.tanh(), c.relu(), c.sigmoid(), abs(c)]
    total = Value.sum(nodes) + Value.dot([a, b], [c, 1.0], a) + Value.squared_error([a, b],
                                                                                     [1.0, c])
    return total, [a, b, c]


def test_the_source_compiles_and_names_every_op(form):
    total, params = every_op_graph()
    step = minigrad.compile(lambda: total, params)
    compile(step.source, "<test>", "exec")
    comments = [line.split("  # ", 1)[1] for line in step.source.splitlines() if "  # " in line]
    for op in ("+", "-", "*", "/", "neg", "**2", "2**", "**", "exp", "log", "tanh", "relu",
               "sigmoid", "abs", "sum", "dot", "sse"):
        assert any(c == op or c.startswith(op + " ") for c in comments), op
    assert "'c\\n\\'label\\''" in step.source or repr("c\n'label'") in step.source
    assert step.source == minigrad.compile(lambda: total, params).source  # deterministic


def test_the_diamond_reads_as_the_chain_rule():
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    loss = (a * b + c) * (a - c)
    source = minigrad.compile(lambda: loss, [a, b, c]).source
    (a_grad,) = [line.strip() for line in source.splitlines() if line.strip().startswith("g0 = ")]
    assert a_grad.startswith("g0 = 0.0 + g5 + v1 * g3  # via")  # a's two paths, summed
    assert "# v0 is 'a'" in source and "v0, v1, v2 = p0.data, p1.data, p2.data" in source


def test_the_namespace_branches_are_floats_own():
    for name in ("relu", "step", "sign", "abs"):
        text = getattr(symbols.SYMBOLS, name)(symbols.Sym("x")).text
        for value in (0.0, -0.0, 1.5, -1.5, math.inf, -math.inf, math.nan, 5e-324):
            got = eval(text, {"x": value})
            want = getattr(FLOATS, name)(value)
            assert same(got, want) and math.copysign(1, got) == math.copysign(1, want), name


# -- the contract's edges ----------------------------------------------------------------------


def test_an_unreached_param_gets_grad_zero_and_the_eager_update():
    a, b = Value(3.0), Value(5.0)
    b.grad = 7.0
    step = minigrad.compile(lambda: a * a, [a, b], lr=0.5)
    assert step() == 9.0 and (a.grad, b.grad) == (6.0, 0.0) and (a.data, b.data) == (0.0, 5.0)


def test_leaves_outside_params_are_frozen_constants():
    a, k = Value(2.0), Value(3.0)
    step = minigrad.compile(lambda: a * k, [a])
    k.data = 100.0
    assert step() == 6.0 and a.grad == 3.0


def test_a_loss_that_is_a_param_itself():
    a = Value(2.0)
    step = minigrad.compile(lambda: a, [a], lr=1.0)
    assert step() == 2.0 and a.grad == 1.0 and a.data == 1.0


@pytest.mark.parametrize("params, fragment", [
    (lambda a, b: [a, 1.0], "params[1] is float 1.0"),
    (lambda a, b: [a, a + b], "params[1]"),
    (lambda a, b: [a, b, a], "params[2] is params[0] again"),
])
def test_params_must_be_distinct_leaves(params, fragment):
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="distinct leaf Values") as error:
        minigrad.compile(lambda: a * b, params(a, b))
    assert fragment in str(error.value)


def test_bad_loss_fn_and_lr_are_refused():
    a = Value(1.0)
    with pytest.raises(TypeError, match="must return a Value"):
        minigrad.compile(lambda: 1.0, [a])
    with pytest.raises(TypeError, match="lr"):
        minigrad.compile(lambda: a * 2.0, [a], lr=True)


@pytest.mark.parametrize("branch", [
    lambda a: a * 2.0 if a > 0 else a,
    lambda a: a if a else -a,
    lambda a: a * float(a),
    lambda a: max([a, a * 2.0]),
    lambda a: a * a.item(),
    lambda a: a * round(a),
], ids=["comparison", "bool", "float", "max", "item", "round"])
def test_control_flow_on_a_value_is_refused_while_compiling(branch):
    a = Value(1.0)
    with pytest.raises(TypeError, match="while being traced"):
        minigrad.compile(lambda: branch(a), [a])
    assert a > 0 and bool(a) and float(a) == 1.0  # Value's methods are back


def test_value_is_not_patched_while_compiling():
    methods = dict(vars(ValueClass))
    seen = []
    a = Value(1.0)

    def loss_fn():
        seen.append(dict(vars(ValueClass)) == methods)
        return a * 2.0

    minigrad.compile(loss_fn, [a])
    assert seen == [True] and dict(vars(ValueClass)) == methods


def test_no_module_of_the_generator_keeps_a_cache_across_calls():
    def containers():
        return {(module.__name__, name): len(value) for module in (symbols, writer, straight, looped, step_py)
                for name, value in vars(module).items() if type(value) in (dict, list, set)}

    before = containers()
    for width in (3, 5):
        random.seed(width)
        model = MLP(width, [width, 2])
        xs = [[0.5 * i - j for j in range(width)] for i in range(3)]
        minigrad.compile(lambda: Value.squared_error([o for x in xs for o in model(x)],
                                                     [1.0, -1.0] * 3), model.parameters())
    assert containers() == before


def test_the_labs_hand_written_mlp_and_sum_of_squares_give_eager_bits(form):
    """The lab's model as a learner writes it: neurons of Value ops (no Value.dot), the loss
    summed from Value(0.0) with Python's sum."""
    random.seed(3)
    sizes = [3, 4, 4, 2]
    weights = [[[Value(random.uniform(-1, 1)) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [[Value(0.0) for _ in range(n_out)] for n_out in sizes[1:]]
    params = [p for layer in weights for row in layer for p in row] + [
        b for layer in biases for b in layer]
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [[1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, 1.0]]

    def model(x):
        for layer, layer_biases in zip(weights, biases):
            x = [(sum((w * xi for w, xi in zip(row, x)), b)).tanh()
                 for row, b in zip(layer, layer_biases)]
        return x

    def loss_fn():
        outputs = [o for x in xs for o in model(x)]
        targets = [t for y in ys for t in y]
        return sum(((o - t) ** 2 for o, t in zip(outputs, targets)), Value(0.0))

    start = [p.data for p in params]
    eager = []
    for _ in range(40):
        loss = sgd_step(loss_fn, params, 0.05)
        eager.append((loss.data, [p.grad for p in params], [p.data for p in params]))
    for p, x in zip(params, start):
        p.data = x
    step = minigrad.compile(loss_fn, params, lr=0.05)
    for loss, grads, data in eager:
        assert step() == loss
        assert [p.grad for p in params] == grads and [p.data for p in params] == data


GUARDED = [op for op in OPS.values() if op.check is not None]
NUMBERS = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 2.0, math.inf, -math.inf,
                                     math.nan, 5e-324]), st.floats())


@pytest.mark.parametrize("op", GUARDED, ids=lambda op: op.name)
@given(args=st.tuples(NUMBERS, NUMBERS))
def test_an_ops_guard_holds_wherever_its_check_raises(op, args):
    args = args[: op.check.__code__.co_argcount]  # log has one operand
    try:
        op.check(*args)
    except (ValueError, ZeroDivisionError):
        assert op.guard is None or op.guard(FLOATS, *args)


def test_each_gradient_is_one_sum_with_a_term_per_via_entry():
    """How another reader (the viz stage's page) finds the terms: the last N addends of the
    `+` chain are the N entries of the `via` comment, in order."""
    total, params = every_op_graph()
    source = minigrad.compile(lambda: total, params).source
    lines = [line.strip() for line in source.splitlines() if "  # via " in line]
    assert len(lines) > 20
    for line in lines:
        code, via = line.split("  # via ")
        expression = ast.parse(code).body[0].value
        addends = []
        while isinstance(expression, ast.BinOp) and isinstance(expression.op, ast.Add):
            addends.append(expression.right)
            expression = expression.left
        addends.append(expression)
        n = len(via.split("), "))
        assert len(addends) >= n and len(addends) - n in (0, 1), line
        if len(addends) > n:  # a param's: 0.0 first
            assert isinstance(addends[-1], ast.Constant) and addends[-1].value == 0.0


def test_compile_is_not_in_the_packages_all():
    assert "compile" not in minigrad.__all__
    namespace = {}
    exec("from minigrad import *", namespace)
    assert "compile" not in namespace
