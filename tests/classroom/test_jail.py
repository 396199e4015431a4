"""The jail against what a sly learner would write: each hostile program is a small script run
with the venv's python through a real bwrap, and the test checks on the host that it was
contained. bwrap missing makes these tests fail, not skip: CI installs it (make setup)."""

import json
import os
import socket
import statistics
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from classroom import jail
from classroom.jail import JailUnavailable, Limits, python_binds, require_jail, run_jailed

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(Path(sys.prefix, "bin", "python"))
FAST = Limits(wall_seconds=10.0, cpu_seconds=8)


@pytest.fixture(scope="module", autouse=True)
def jail_here():
    require_jail()  # raises, so that a machine without bwrap fails here rather than skipping


@pytest.fixture
def classroom(tmp_path):
    """alice's folder (the learner), bob's next to it (outside every bind), alice's scratch."""
    alice = tmp_path / "class" / f"alice-{uuid.uuid4().hex}"
    bob = tmp_path / "class" / "bob"
    alice.mkdir(parents=True)
    bob.mkdir()
    (alice / "model.py").write_text("# alice's model\n")
    (bob / "model.py").write_text("# bob's answer: SECRET-BOB\n")
    scratch = tmp_path / "scratch"
    return alice, bob, scratch


def run(code, alice, scratch, limits=FAST, jailed=True):
    """The learner's script, written into alice's folder and run from /learner. Its name is
    unique (alice.name), so that the processes it spawns can be told from other jails'."""
    (alice / f"{alice.name}.py").write_text(textwrap.dedent(code))
    readonly = [*python_binds(sys.prefix), (str(alice), "/learner"),
                (str(REPO / "minigrad"), "/code/minigrad")]
    script = f"/learner/{alice.name}.py" if jailed else str(alice / f"{alice.name}.py")
    return run_jailed([PYTHON, script], readonly=readonly, scratch=str(scratch), limits=limits,
                      env={"PYTHONPATH": "/code"}, jailed=jailed)


def learner_pids(alice):
    """The processes of uid 65534 running alice's script (forks keep its command line)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path("/proc", entry, "status").read_text()
                cmdline = Path("/proc", entry, "cmdline").read_bytes()
            except OSError:
                continue
            uid = next(line for line in status.splitlines() if line.startswith("Uid:"))
            if uid.split()[1] == str(jail.NOBODY) and alice.name.encode() in cmdline:
                pids.add(int(entry))
    return pids


def assert_none_left(alice, within=3.0):
    deadline = time.monotonic() + within
    while learner_pids(alice) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert learner_pids(alice) == set()


def test_a_well_behaved_lab_runs_ok_and_its_scratch_output_is_on_the_host(classroom):
    alice, _, scratch = classroom
    out = run("""
        import json, os
        from minigrad import Value
        a, b = Value(2.0), Value(3.0)
        c = a * b + a
        c.backward()
        json.dump({"c": c.data, "da": a.grad, "uid": os.getuid(), "cwd": os.getcwd(),
                   "root": sorted(os.listdir("/"))}, open("result.json", "w"))
        print("done")
    """, alice, scratch)
    assert (out.status, out.returncode, out.stdout, out.stderr) == ("ok", 0, "done\n", "")
    result = json.loads((scratch / "result.json").read_text())
    assert (result["c"], result["da"], result["uid"], result["cwd"]) == (8.0, 4.0, 65534, "/scratch")
    # the jail's / holds what run_jailed binds and nothing else of the host's
    assert set(result["root"]) <= {"usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32",
                                   "etc", "proc", "dev", "tmp", "scratch", "learner", "code",
                                   *{Path(p).parts[1] for p, _ in python_binds(sys.prefix)}}


def test_a_sibling_learners_file_and_the_repository_cannot_be_read(classroom):
    alice, bob, scratch = classroom
    out = run(f"""
        import os
        for path in [{str(bob / 'model.py')!r}, "/learner/../bob/model.py", "../bob/model.py",
                     {str(REPO / 'README.md')!r}, {str(REPO / 'dvc.yaml')!r}, "/etc/passwd",
                     "/root/.bash_history", "/proc/1/root/etc/hostname"]:
            try:
                print("LEAKED", path, open(path).read()[:40])
            except OSError as exc:
                print("denied", path, type(exc).__name__)
    """, alice, scratch)
    assert out.status == "ok", out.stderr
    assert "LEAKED" not in out.stdout and "SECRET-BOB" not in out.stdout
    assert out.stdout.count("denied") == 8


def test_writes_outside_scratch_change_nothing_on_the_host(classroom, tmp_path):
    alice, _, scratch = classroom
    host_tmp = Path("/tmp", f"jail-escape-{os.getpid()}-{tmp_path.name}")
    repo_file = REPO / "minigrad" / "__init__.py"
    before = repo_file.read_bytes()
    out = run(f"""
        import os
        for path in ["/learner/model.py", "/learner/new.py", "/code/minigrad/__init__.py",
                     {str(repo_file)!r}, {str(REPO / 'pwned.txt')!r}, {str(host_tmp)!r},
                     "/usr/pwned", "/etc/pwned", "/dev/shm/pwned"]:
            try:
                with open(path, "a") as f:
                    f.write("PWNED")
                print("WROTE", path)
            except OSError as exc:
                print("denied", path, type(exc).__name__)
    """, alice, scratch)
    assert out.status == "ok", out.stderr
    assert (alice / "model.py").read_text() == "# alice's model\n"
    assert not (alice / "new.py").exists()
    assert repo_file.read_bytes() == before
    assert not (REPO / "pwned.txt").exists()
    assert not Path("/usr/pwned").exists() and not Path("/etc/pwned").exists()
    # /tmp inside is the jail's own tmpfs: the write may succeed there, never on the host's
    assert not host_tmp.exists()
    assert "WROTE /learner" not in out.stdout and "WROTE /code" not in out.stdout


def test_no_network_not_even_the_hosts_loopback(classroom):
    alice, _, scratch = classroom
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(8)
    port = listener.getsockname()[1]
    accepted = []

    def accept():
        try:
            accepted.append(listener.accept())
        except OSError:
            pass

    waiter = threading.Thread(target=accept)
    waiter.start()
    out = run(f"""
        import socket
        for host in ["127.0.0.1", "1.1.1.1"]:
            try:
                socket.create_connection((host, {port}), timeout=2).sendall(b"grade=100")
                print("CONNECTED", host)
            except OSError as exc:
                print("no network", host, type(exc).__name__)
    """, alice, scratch)
    listener.close()  # ends accept() in the thread
    waiter.join()
    assert out.status == "ok", out.stderr
    assert "CONNECTED" not in out.stdout and out.stdout.count("no network") == 2
    assert accepted == []


def test_the_graders_environment_is_not_visible(classroom, monkeypatch):
    alice, _, scratch = classroom
    monkeypatch.setenv("CLASSROOM_TOKEN", "hunter2-secret")
    out = run("""
        import json, os
        print(json.dumps(dict(os.environ)))
        for pid in ["self", "1", str(os.getppid())]:
            try:
                print(open(f"/proc/{pid}/environ").read())
            except OSError as exc:
                print("denied", pid, type(exc).__name__)
    """, alice, scratch)
    assert out.status == "ok", out.stderr
    assert "hunter2" not in out.stdout and "CLASSROOM_TOKEN" not in out.stdout
    env = json.loads(out.stdout.splitlines()[0])
    assert set(env) <= {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PWD",
                        "LC_CTYPE"}


def test_no_root_of_its_own_in_a_nested_user_namespace(classroom):
    alice, _, scratch = classroom
    out = run("""
        import os, subprocess
        status = open("/proc/self/status").read()
        print([line for line in status.splitlines() if line.startswith(("Uid", "CapEff", "CapBnd"))])
        nested = subprocess.run(["unshare", "--user", "--map-root-user", "id", "-u"],
                                capture_output=True, text=True)
        print("nested", nested.returncode, nested.stdout.strip())
    """, alice, scratch)
    assert out.status == "ok", out.stderr
    assert "Uid:\\t65534\\t65534" in out.stdout
    assert "CapEff:\\t0000000000000000" in out.stdout and "CapBnd:\\t0000000000000000" in out.stdout
    assert "nested 0" not in out.stdout and "nested 1" in out.stdout


def test_an_endless_loop_times_out_on_the_wall_clock(classroom):
    alice, _, scratch = classroom
    out = run("while True: pass\n", alice, scratch, Limits(wall_seconds=2.0, cpu_seconds=15))
    assert out.status == "timed out"
    assert 2.0 <= out.seconds < 3.0
    assert_none_left(alice)


def test_cpu_time_runs_out_with_a_warning_first_then_a_kill(classroom):
    alice, _, scratch = classroom
    warned = run("while True: pass\n", alice, scratch, Limits(wall_seconds=20, cpu_seconds=1))
    assert (warned.status, warned.returncode) == ("timed out", -24)  # SIGXCPU at the soft limit
    assert warned.seconds < 6  # 1 s of CPU, on a machine that may be busy
    # a learner who ignores the warning is killed at the hard limit, a second later
    deaf = run("""
        import signal
        signal.signal(signal.SIGXCPU, signal.SIG_IGN)
        while True: pass
    """, alice, scratch, Limits(wall_seconds=20, cpu_seconds=1))
    assert (deaf.status, deaf.returncode) == ("timed out", -9)
    assert deaf.seconds < 8
    assert not list(scratch.iterdir())  # no core dump


@pytest.mark.parametrize("code", ["blob = bytearray(4 << 30)\n",
                                  "hoard = []\nwhile True: hoard.append(bytearray(64 << 20))\n"])
def test_eating_memory_is_out_of_memory(classroom, code):
    alice, _, scratch = classroom
    out = run(code, alice, scratch)
    assert out.status == "out of memory", out
    assert out.stderr.rstrip().endswith("MemoryError")


def test_spawning_300_processes_is_capped_and_leaves_none_behind(classroom):
    alice, _, scratch = classroom
    out = run("""
        import os, time
        children = 0
        for _ in range(300):
            try:
                pid = os.fork()
            except OSError as exc:
                print("refused after", children, type(exc).__name__)
                break
            if pid == 0:
                time.sleep(600)  # each child would outlive the run, left unwaited
                os._exit(0)
            children += 1
        print("children", children)
    """, alice, scratch)
    assert out.status == "ok", out.stderr
    children = int(out.stdout.split()[-1])
    assert children < jail.Limits().processes <= 32 and "refused after" in out.stdout
    assert_none_left(alice)


def test_a_fork_bomb_is_contained_and_leaves_none_behind(classroom):
    alice, _, scratch = classroom
    out = run("""
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """, alice, scratch, Limits(wall_seconds=3.0, cpu_seconds=15))
    assert out.status == "timed out"
    assert out.seconds < 4.5
    assert_none_left(alice)


def test_a_large_file_is_cut_at_file_mb(classroom):
    alice, _, scratch = classroom
    out = run("""
        chunk = b"x" * (1 << 20)
        with open("big.bin", "wb") as f:
            for _ in range(64):
                f.write(chunk)
    """, alice, scratch, Limits(wall_seconds=10, file_mb=4))
    assert out.status == "crashed" and "File too large" in out.stderr
    assert (scratch / "big.bin").stat().st_size <= 4 << 20


def test_a_flood_of_output_is_kept_bounded(classroom):
    alice, _, scratch = classroom
    out = run("""
        import sys
        sys.stdout.write("first line\\n" + "y" * (20 << 20) + "\\nlast line\\n")
    """, alice, scratch)
    assert out.status == "ok"
    assert len(out.stdout) < jail.OUTPUT_BYTES + 100
    assert out.stdout.startswith("first line") and out.stdout.endswith("last line\n")
    assert "bytes cut" in out.stdout


def test_unjailed_runs_still_time_out_and_kill_the_group(classroom):
    alice, _, scratch = classroom
    out = run("""
        import subprocess, sys
        child = subprocess.Popen(["sleep", "300"])
        print(child.pid, flush=True)
        while True: pass
    """, alice, scratch, Limits(wall_seconds=2.0), jailed=False)
    assert out.status == "timed out"
    assert 2.0 <= out.seconds < 4.0
    sleeper = int(out.stdout.split()[0])
    deadline = time.monotonic() + 3
    while Path("/proc", str(sleeper)).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path("/proc", str(sleeper)).exists()


def test_require_jail_names_the_missing_bwrap_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without bwrap
    with pytest.raises(JailUnavailable) as raised:
        require_jail()
    message = str(raised.value)
    assert "\n" not in message and "bwrap" in message and "make setup" in message
    with pytest.raises(JailUnavailable):
        run_jailed([PYTHON, "-c", "pass"], readonly=[], scratch=str(tmp_path / "s"))


def test_require_jail_quotes_bwraps_own_error_when_namespaces_are_refused(monkeypatch, tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(JailUnavailable) as raised:
        require_jail()
    assert str(raised.value) == ("bwrap cannot create the jail's namespaces here: "
                                 "bwrap: No permissions to create new namespace")


def test_what_the_jail_adds_per_run(tmp_path, capsys):
    """The median of 10 runs of `python -c pass`, jailed and not: bwrap, setpriv and prlimit."""
    def median(jailed):
        times = []
        for _ in range(10):
            out = run_jailed([PYTHON, "-c", "pass"], readonly=python_binds(sys.prefix),
                             scratch=str(tmp_path / "s"), limits=FAST, jailed=jailed)
            assert out.status == "ok", out
            times.append(out.seconds)
        return statistics.median(times)

    unjailed, jailed_ = median(False), median(True)
    with capsys.disabled():
        print(f"\npython -c pass: jailed {jailed_ * 1000:.0f} ms, unjailed {unjailed * 1000:.0f} ms,"
              f" the jail adds {(jailed_ - unjailed) * 1000:.0f} ms (median of 10)")
    assert jailed_ - unjailed < 0.5
