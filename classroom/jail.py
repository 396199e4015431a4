"""Run one learner's untrusted code in a jail: bubblewrap namespaces, an unprivileged uid, rlimits.

The learner's code may loop, eat memory, read or write what it should not, open sockets, read
the environment, spawn processes or try to forge its grade (see STYLE.md, "Untrusted code").
`run_jailed` starts it under bwrap with:

- only what the caller lists in `readonly` (plus the system's /usr, the /lib symlinks and
  /etc/ld.so.cache) bound read-only, `scratch` bound read-write at /scratch, a private,
  size-capped tmpfs at /tmp, a fresh /proc and a minimal /dev: the rest of the host, the
  repository and the other learners' folders do not exist inside;
- new pid, network, ipc, uts (and cgroup) namespaces: no network at all, not even the host's
  loopback, and the whole process tree dies with the jail's pid 1;
- uid/gid 65534 (nobody) with no capabilities and no_new_privs: as root RLIMIT_NPROC does not
  hold, even in a user namespace, so the drop is what makes the process limit real; then a user
  namespace of the jail's own (a second, unprivileged bwrap), where nested user namespaces are
  refused and RLIMIT_NPROC counts this jail's processes only;
- a cleared environment: PATH, HOME=/scratch, LANG, PYTHONDONTWRITEBYTECODE and whatever the
  caller passes in `env` (PYTHONPATH), nothing of the grader's;
- rlimits (CPU seconds, soft below hard; address space; processes; file size) set by prlimit
  right before the learner's program, inside, so that bwrap itself is not limited;
- a wall-clock timeout that kills the whole process group.

The grade must come from a process that never imported the learner's code: this module only
runs it and reports how it ended. Files the learner left in `scratch` are the learner's: read
them as data (they may be symlinks to anywhere, or huge).
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
# Each of stdout and stderr keeps this many bytes: the first half and the last half, since a
# traceback's last line (MemoryError, the exception) is what says how the run ended.
OUTPUT_BYTES = 64 * 1024
# After the learner's process is gone, how long its pipes may stay open (something it spawned
# outside the group still holding them, unjailed) before they are closed on it.
DRAIN_SECONDS = 1.0
JAIL_PATH = "/usr/local/bin:/usr/bin:/bin"
INSTALL_HINT = "run `make setup` (scripts/install-bubblewrap.sh) or `sudo apt-get install bubblewrap`"


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 20.0   # wall-clock timeout: then the whole process group is killed
    cpu_seconds: int = 15        # RLIMIT_CPU, soft below hard: SIGXCPU first, SIGKILL a second later
    memory_mb: int = 1024        # RLIMIT_AS
    processes: int = 32          # RLIMIT_NPROC: uid 65534's processes in this jail's user namespace
    file_mb: int = 16            # RLIMIT_FSIZE; /tmp's tmpfs holds 4 such files


@dataclass(frozen=True)
class Outcome:
    status: str        # "ok", "crashed", "timed out" (wall or CPU), "out of memory"
    returncode: int    # the exit code, or minus the signal that ended the learner's program
    seconds: float     # wall-clock, from start to the last process reaped
    stdout: str        # each at most OUTPUT_BYTES (head and tail), decoded with replacement
    stderr: str


class JailUnavailable(Exception):
    """The jail cannot run here: bwrap (or util-linux's setpriv/prlimit) is missing, or the
    kernel refuses the namespaces. The message is one line."""


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        hint = INSTALL_HINT if name == "bwrap" else f"install Debian's {package}"
        raise JailUnavailable(f"the classroom jail needs `{name}`, which is not on PATH: {hint}")
    return os.path.realpath(path)  # the file itself, which is what gets bound when not in /usr


def _tools() -> tuple[str, str | None, str]:
    bwrap = _tool("bwrap", "bubblewrap")
    # setpriv is how root drops to nobody inside; an unprivileged caller is mapped to 65534 by
    # bwrap's own user namespace instead.
    setpriv = _tool("setpriv", "util-linux") if os.geteuid() == 0 else None
    prlimit = _tool("prlimit", "util-linux")
    return bwrap, setpriv, prlimit


def require_jail() -> None:
    """Raise JailUnavailable (one line) unless a jail can be made here: the tools are on PATH and
    bwrap can create the namespaces run_jailed asks for (a run of `true` in a jail, ~40 ms)."""
    with tempfile.TemporaryDirectory(prefix="jail-probe-") as scratch:
        _prepare_scratch(scratch)
        probe = _bwrap_argv(["true"], [], scratch, Limits(), {"PATH": JAIL_PATH})
        try:
            done = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=30, umask=0o022)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise JailUnavailable(f"bwrap could not run: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise JailUnavailable("bwrap cannot create the jail's namespaces here: "
                              + (said[-1] if said else f"exit {done.returncode}"))


def python_binds(prefix: str) -> list[tuple[str, str]]:
    """The read-only binds that make the venv (or installation) at `prefix` usable inside, each
    at its own path: the venv, and the installation it was made from when that is not under
    /usr (pyenv's, here). The venv's .pth files may point into the repository, which is not
    bound: the caller's PYTHONPATH says where the code is instead."""
    binds = [(prefix, prefix)]
    cfg = Path(prefix, "pyvenv.cfg")
    if cfg.is_file():
        for line in cfg.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home":
                base = str(Path(value.strip()).resolve().parent)  # home is the base's bin/
                if not (base == "/usr" or base.startswith("/usr/")):
                    binds.append((base, base))
    return binds


def _namespace_args() -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "jail",
            # the jail dies with its parent (the grader); its own session, so a learner's
            # program cannot push input into the grader's terminal (TIOCSTI)
            "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:
        # Unprivileged, bwrap needs a user namespace: 65534 inside, the caller's uid outside,
        # and no nested user namespaces for the learner.
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--disable-userns"]
    return args


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    # Debian's merged /usr: /bin, /lib... are symlinks into /usr; elsewhere they are folders.
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    # The dynamic linker's cache is the one file of /etc a program needs to start; /etc is
    # made by hand, as bwrap would make it 0700 root, which the linker as nobody cannot cross.
    args += ["--perms", "0755", "--dir", "/etc", "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--proc", "/proc", "--dev", "/dev"]
    return args


def _parent_dirs(targets: list[str]) -> list[str]:
    """The folders above the bind targets, for --dir: bwrap would make them 0700 root, which
    nobody cannot cross."""
    made = {"/", "/usr", "/tmp", "/proc", "/dev", "/etc", "/scratch"}
    dirs: set[str] = set()
    for target in targets:
        for parent in Path(target).parents:
            if str(parent) not in made:
                dirs.add(str(parent))
    return sorted(dirs, key=lambda d: (d.count("/"), d))


def _prlimit_args(prlimit: str, limits: Limits, *, nproc: bool) -> list[str]:
    mb = 1024 * 1024
    args = [prlimit,
            # one second between soft and hard: SIGXCPU (the warning), then SIGKILL
            f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
            f"--as={limits.memory_mb * mb}",
            f"--fsize={limits.file_mb * mb}",
            # SIGXCPU's default action dumps core: no core files (into /scratch, up to file_mb)
            "--core=0"]
    if nproc:
        args.append(f"--nproc={limits.processes}")
    return args + ["--"]


def _bwrap_argv(argv: list[str], readonly: list[tuple[str, str]], scratch: str, limits: Limits,
                env: dict[str, str]) -> list[str]:
    bwrap, setpriv, prlimit = _tools()
    for host, inside in readonly:
        if not os.path.exists(host):
            raise FileNotFoundError(f"run_jailed: nothing to bind at {host}")
        if not os.path.isabs(inside) or inside in ("/", "/scratch", "/tmp"):
            raise ValueError(f"run_jailed: cannot bind {host} at {inside!r}")
    args = [bwrap, *_namespace_args(), *_system_binds(),
            "--perms", "1777", "--size", str(4 * limits.file_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    # The tools run inside too (bwrap a second time when the caller is root): one found outside
    # /usr (a home-made build) is bound alone, at its own path.
    readonly = [*readonly, *((tool, tool) for tool in (bwrap, setpriv, prlimit)
                             if tool is not None and not tool.startswith("/usr/"))]
    for folder in _parent_dirs([inside for _, inside in readonly]):
        args += ["--perms", "0755", "--dir", folder]
    # parents before children, so that a bind inside another bind's folder lands on top of it
    for host, inside in sorted(readonly, key=lambda pair: pair[1].count("/")):
        args += ["--ro-bind", host, inside]
    args += ["--bind", scratch, "/scratch", "--chdir", "/scratch", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    if setpriv is not None:
        # bwrap as root keeps no capabilities but the two setpriv needs for the drop; after it,
        # nothing: no capabilities (bounding set included), no groups, no_new_privs.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                 setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                 # then bwrap again, unprivileged, for a user namespace of the learner's own: it
                 # forbids nested ones (the kernel's surface a learner would reach through one,
                 # as "root" in it) and makes RLIMIT_NPROC count this jail's processes, not
                 # every nobody's on the host (other learners graded at the same time).
                 "--", bwrap, "--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY),
                 "--disable-userns", "--dev-bind", "/", "/", "--chdir", "/scratch"]
    args += ["--", *_prlimit_args(prlimit, limits, nproc=True), *argv]
    return args


def _prepare_scratch(scratch: str) -> None:
    os.makedirs(scratch, exist_ok=True)
    if os.geteuid() != 0:
        return  # the caller's own folder is 65534's inside bwrap's user namespace
    # The learner writes here as nobody: the folder and what the caller put in it become
    # nobody's. lchown: a symlink in there is not followed out of the folder.
    os.chown(scratch, NOBODY, NOBODY)
    os.chmod(scratch, 0o700)
    for root, dirs, files in os.walk(scratch):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), NOBODY, NOBODY)


class _Capped:
    """At most OUTPUT_BYTES of a stream: its head and its tail, and how much was cut."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.cut = 0

    def add(self, chunk: bytes) -> None:
        half = OUTPUT_BYTES // 2
        room = half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > half:
            self.cut += len(self.tail) - half
            del self.tail[:len(self.tail) - half]

    def text(self) -> str:
        cut = f"\n[... {self.cut} bytes cut ...]\n".encode() if self.cut else b""
        return bytes(self.head + cut + self.tail).decode("utf-8", errors="replace")


def run_jailed(argv: list[str], *, readonly: list[tuple[str, str]], scratch: str,
               limits: Limits = Limits(), env: dict[str, str] | None = None,
               jailed: bool = True) -> Outcome:
    """Run `argv` in the jail and report how it ended.

    readonly: (host path, path inside) pairs bound read-only: the engine, the checker, the
    learner's folder, the Python environment (python_binds(sys.prefix)). scratch: a host folder
    bound read-write at /scratch (the working directory and HOME), chowned to nobody. env: the
    variables the program gets besides PATH, HOME, LANG and PYTHONDONTWRITEBYTECODE (PYTHONPATH).

    jailed=False (the teacher's choice): argv runs directly, as the caller's user, with cwd and
    HOME the host's `scratch`, the same rlimits but RLIMIT_NPROC (it does not hold for root and
    would count all of a non-root caller's processes), the same timeout and group kill. Paths
    in argv are then host paths: bind each folder at its own path to use one argv for both.

    Raises JailUnavailable when jailed and the tools are missing; an Outcome otherwise. Call
    require_jail() once before a class: a jail that bwrap fails to set up comes back as a crash
    here, since telling bwrap's own error from a learner's program that prints one is the kind
    of guess a learner could steer.
    """
    clean = {"PATH": JAIL_PATH, "HOME": "/scratch", "LANG": "C.UTF-8",
             "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    if jailed:
        _prepare_scratch(scratch)
        cmd = _bwrap_argv(argv, readonly, scratch, limits, clean)
        # bwrap itself reads nothing of this but PATH; the jail's is set by --setenv
        popen_env = {"PATH": os.environ.get("PATH", JAIL_PATH)}
        cwd = "/"
    else:
        os.makedirs(scratch, exist_ok=True)
        prlimit = shutil.which("prlimit")
        if prlimit is None:
            raise JailUnavailable("grading unjailed still needs util-linux's `prlimit` on PATH")
        cmd = [*_prlimit_args(prlimit, limits, nproc=False), *argv]
        popen_env = {**clean, "HOME": scratch}
        cwd = scratch
    return _supervise(cmd, popen_env, cwd, limits, jailed=jailed)


def _supervise(cmd: list[str], env: dict[str, str], cwd: str, limits: Limits, *,
               jailed: bool) -> Outcome:
    start = time.monotonic()
    deadline = start + limits.wall_seconds
    # start_new_session: the command leads a process group of its own, which the timeout kills
    # whole; umask 022 so that what bwrap makes for the jail is readable by nobody.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True,
                            umask=0o022)
    assert proc.stdout is not None and proc.stderr is not None
    pipes = (proc.stdout, proc.stderr)
    out, err = _Capped(), _Capped()
    streams = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    sel = selectors.DefaultSelector()
    for fd in streams:
        sel.register(fd, selectors.EVENT_READ)
    # A pidfd turns readable when the process exits, without reaping it: its pid (the group's
    # id) cannot be reused before the group is killed below.
    pidfd = os.pidfd_open(proc.pid)
    sel.register(pidfd, selectors.EVENT_READ)
    timed_out = False
    status = None
    try:
        exited = False
        while not exited:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            for key, _ in sel.select(left):
                if key.fileobj == pidfd:
                    exited = True
                else:
                    _read(sel, key.fileobj, streams)
        # Whatever is left of the group goes: all of it on a timeout; on a normal exit what the
        # learner left running unjailed (jailed, the pid namespace has taken it already).
        _killpg(proc.pid)
        sel.unregister(pidfd)
        drain_until = time.monotonic() + DRAIN_SECONDS
        while sel.get_map() and time.monotonic() < drain_until:
            for key, _ in sel.select(drain_until - time.monotonic()):
                _read(sel, key.fileobj, streams)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if status is None:  # interrupted (KeyboardInterrupt...): leave nothing running
            _killpg(proc.pid)
            os.waitpid(proc.pid, 0)
        sel.close()
        os.close(pidfd)
        for pipe in pipes:
            pipe.close()
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    # bwrap reports a program killed by signal N as exit 128+N
    if jailed and code > 128:
        code = -(code - 128)
    # Unjailed, the child's CPU time is in its rusage; jailed it is not: bwrap does not reap its
    # pid 1, which reaped the learner's program. The wall time bounds it from above instead (a
    # program gets at most one CPU second a second, bar threads outside the GIL).
    cpu = max(usage.ru_utime + usage.ru_stime, seconds if jailed else 0.0)
    stdout, stderr = out.text(), err.text()
    return Outcome(_status(code, timed_out, cpu, stderr, limits), code, seconds, stdout, stderr)


def _read(sel: selectors.BaseSelector, fd, streams: dict[int, _Capped]) -> None:
    chunk = os.read(fd, 65536)
    if chunk:
        streams[fd].add(chunk)
    else:
        sel.unregister(fd)


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _status(code: int, timed_out: bool, cpu: float, stderr: str, limits: Limits) -> str:
    """How the run ended, from what can be observed of it. The learner can fake a crash of any
    kind (print "MemoryError", exit 152...): none of these is a pass, so faking one gains
    nothing; only "ok" is, and only exit 0 gives it."""
    if timed_out:
        return "timed out"
    if code == 0:
        return "ok"
    if code == -signal.SIGXCPU:
        return "timed out"
    if code == -signal.SIGKILL:
        # SIGKILL not from us: RLIMIT_CPU's hard limit (when the CPU time, or jailed the wall
        # time, reached the soft limit) or else the kernel's OOM killer (or the program's own
        # kill -9, which gains it nothing).
        return "timed out" if cpu >= limits.cpu_seconds else "out of memory"
    last = stderr.rstrip().rsplit("\n", 1)[-1]
    # RLIMIT_AS makes Python raise MemoryError; uncaught, it is the traceback's last line
    if last.startswith("MemoryError"):
        return "out of memory"
    return "crashed"
