"""Kernels forked from a warm parent: a fresh IPython kernel per notebook without paying its imports again.

A notebook run under papermill starts a new kernel process, which then imports what the notebook imports —
pandas, matplotlib, seaborn, scikit-learn … about 3 s of CPU on the machines this project targets, for each
notebook, before the first analysis line runs. :class:`ForkServer` pays that once per suite run:

1. When the runner starts, it starts one *fork server*: a new interpreter (``python -m huayu.notebook.kernels``) that
   executes the import statements of the notebooks about to run (:func:`notebook_imports`; a statement
   that fails is skipped — the notebook will report it itself) and ipykernel's, then waits on a pipe.
2. For each notebook, jupyter_client asks :class:`ForkedKernelProvisioner` to launch the kernel. Instead of
   starting ``python -m ipykernel_launcher -f <connection file>``, the provisioner sends that command line,
   the working directory and the environment to the server, which forks; the child becomes the kernel
   (new session, working directory and environment as asked, stdin from ``/dev/null``) and runs ipykernel's
   own ``IPKernelApp`` with the same arguments. The modules are already in memory, so the notebook's import
   cell costs nothing; everything else is a new process that no other notebook has touched.
3. The runner talks to the kernel exactly as to any other (papermill → nbclient → jupyter_client); signals,
   interrupts and shutdown go to the kernel's process (group) as usual.

What differs from a kernel started from scratch: modules imported by the server are not imported again by
the notebook (their import-time side effects happened once, in the same order every run); code that reads
an environment variable *at import time* sees the runner's environment (every module of this package reads
its variables when they are used). The exit status of a forked kernel is not known to the runner (it is not
the runner's child); a kernel that died is still seen as dead.

Only a kernel spec that runs ``ipykernel_launcher`` with the runner's own interpreter is forked; any other
kernel (another environment, another language) is launched the ordinary way, and so is every kernel when
the server is gone or when a preloaded import started a Python thread (forking a process with threads can
leave the child waiting on a lock another thread held). POSIX only: where ``os.fork`` does not exist the
ordinary launcher is used.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import default

log = logging.getLogger(__name__)

#: Modules every kernel imports (its debugger, debugpy, included: ipykernel loads it for every kernel):
#: preloaded by the server whatever the notebooks import.
KERNEL_IMPORTS = ("import ipykernel.kernelapp", "import ipykernel.ipkernel", "import ipykernel.debugger")


def notebook_imports(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The top-level import statements of the notebooks' code cells, in order, without repeats.

    Lines starting with ``%`` or ``!`` (IPython magics, shell escapes) are ignored; a cell that is not
    valid Python is skipped.
    """
    seen: list[str] = []
    for path in paths:
        try:
            nb = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else str(src)
            src = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                    stmt = ast.unparse(node)
                    if stmt not in seen:
                        seen.append(stmt)
    return seen


def can_fork() -> bool:
    """Whether kernels can be forked here (POSIX with ``os.fork``)."""
    return hasattr(os, "fork") and os.name == "posix"


def forkable_command(cmd: Sequence[str]) -> list[str] | None:
    """The ``IPKernelApp`` arguments of a kernel command line this interpreter can fork, else ``None``.

    Forkable: ``<this python> [-X<option>…] -m ipykernel_launcher <args…>`` (what ``python -m ipykernel
    install`` writes into a kernel spec; ``-Xfrozen_modules=off`` is there for the debugger).
    """
    cmd = list(cmd)
    start = 1
    while start < len(cmd) and cmd[start].startswith("-X") and len(cmd[start]) > 2:
        start += 1
    if cmd[start:start + 2] != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable) or os.path.realpath(cmd[0]) == os.path.realpath(
            sys.executable)
    except OSError:
        return None
    return cmd[start + 2:] if same else None


# ------------------------------------------------------------------------------------------ the fork server


class ForkServerError(RuntimeError):
    """The fork server is gone or could not start a kernel."""


class ForkServer:
    """A process holding the preloaded modules, which forks one kernel per request.

    The server is a new interpreter (``python -m huayu.notebook.kernels``), not a fork of the caller: the kernels
    get a pristine interpreter state (logging, warning filters, signal handlers, threads) plus the
    preloaded modules, never the caller's. ``preload``: Python statements (import statements) the server
    executes once. Use as a context manager, or call :meth:`close`; the server also exits when its parent
    dies (end of its request pipe). Thread-safe: requests from several threads are served one after another
    (a fork takes milliseconds).
    """

    def __init__(self, preload: Sequence[str] = ()):
        if not can_fork():
            raise ForkServerError("forking kernels needs POSIX os.fork")
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        statements = json.dumps([*KERNEL_IMPORTS, *preload])
        try:
            self._process = subprocess.Popen(
                # -Xfrozen_modules=off as in ipykernel's kernel spec (the debugger needs it, and warns without)
                [sys.executable, "-Xfrozen_modules=off", "-m", "huayu.notebook.kernels", str(request_r), str(reply_w)],
                stdin=subprocess.DEVNULL, pass_fds=(request_r, reply_w), env={**os.environ, _PRELOAD: statements})
        finally:
            os.close(request_r)
            os.close(reply_w)
        self.pid = self._process.pid
        self._requests = os.fdopen(request_w, "wb", buffering=0)
        self._replies = os.fdopen(reply_r, "rb")
        self._lock = threading.Lock()
        self.kernels: list[int] = []

    def spawn(self, args: Sequence[str], *, cwd: str | os.PathLike[str], env: dict[str, str]) -> int:
        """Fork a kernel running ``IPKernelApp`` with ``args`` in ``cwd`` with ``env``; returns its pid."""
        request = {"args": list(args), "cwd": str(cwd), "env": dict(env)}
        with self._lock:
            if self._requests.closed:
                raise ForkServerError("the fork server was closed")
            try:
                self._requests.write((json.dumps(request) + "\n").encode("utf-8"))
                line = self._replies.readline()
            except (OSError, ValueError) as exc:
                raise ForkServerError(f"the fork server (pid {self.pid}) is gone: {exc}") from None
        if not line:
            raise ForkServerError(f"the fork server (pid {self.pid}) exited (code {self._process.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise ForkServerError(reply["error"])
        self.kernels.append(reply["pid"])
        return reply["pid"]

    def close(self) -> None:
        """Stop the server (kernels already forked are not affected)."""
        with self._lock:
            if not self._requests.closed:
                self._requests.close()
                self._replies.close()
                try:
                    self._process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_PRELOAD = "HUAYU_FORK_SERVER_PRELOAD"


def _serve(request_fd: int, reply_fd: int) -> None:
    preload = json.loads(os.environ.pop(_PRELOAD, "[]"))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle; it then closes our pipe
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped by the system, never left as zombies
    for statement in preload:
        try:
            exec(compile(statement, "<preload>", "exec"), {"__name__": "__preload__"})  # noqa: S102
        except BaseException:  # noqa: BLE001, S110 — the notebook's own import will report the problem
            pass
    gc.collect()
    gc.freeze()  # objects of the preloaded modules stay shared with the kernels (no copy on the next GC)
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    requests = os.fdopen(request_fd, "rb")
    for line in requests:
        request = json.loads(line)
        if threads:  # a thread started by an import could hold a lock the forked child would wait on forever
            reason = f"the preloaded modules started threads ({', '.join(threads)}); forking is not safe"
            os.write(reply_fd, (json.dumps({"error": reason}) + "\n").encode("utf-8"))
            continue
        try:
            pid = os.fork()
        except OSError as exc:
            os.write(reply_fd, (json.dumps({"error": f"fork failed: {exc}"}) + "\n").encode("utf-8"))
            continue
        if pid == 0:
            code = 1
            try:
                requests.close()
                os.close(reply_fd)
                code = _kernel_main(request)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        os.write(reply_fd, (json.dumps({"pid": pid}) + "\n").encode("utf-8"))


def _kernel_main(request: dict[str, Any]) -> int:
    """In the forked child: become a kernel process as ``launch_kernel`` would have started it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()  # like jupyter_client's launcher: the kernel gets its own session and process group
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython puts the working directory back
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    from ipykernel import kernelapp

    sys.argv = [kernelapp.__file__, *request["args"]]
    kernelapp.IPKernelApp.launch_instance(argv=request["args"])
    return 0


# ----------------------------------------------------------------------------------- jupyter_client glue


class ForkedProcess:
    """The part of :class:`subprocess.Popen` that jupyter_client uses, for a kernel forked by the server."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0  # gone (reaped by the server); its exit status is not ours to read
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel pid {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedKernelProvisioner(LocalProvisioner):
    """Launch the kernel through :attr:`ForkedKernelManager.fork_server` when its command can be forked."""

    fork_server: ForkServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        args = forkable_command(cmd) if self.fork_server is not None else None
        if args is None:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = kwargs.get("cwd") or os.getcwd()
        env = dict(kwargs.get("env") or os.environ)
        env.setdefault("JPY_PARENT_PID", str(os.getpid()))  # as jupyter_client's launcher sets it
        # ipykernel reads JPY_PARENT_PID when it is imported (in the server, long before): say it again. The
        # kernel's parent is the server: the kernel exits if the server does (e.g. the runner was killed).
        args = [*args, f"--IPKernelApp.parent_handle={self.fork_server.pid}"]
        try:
            pid = self.fork_server.spawn(args, cwd=cwd, env=env)
        except ForkServerError as exc:  # e.g. the server crashed while importing: start this kernel the usual way
            log.warning("fork server unusable (%s); starting the kernel from scratch", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)
        self.pid = pid
        self.pgid = pid  # the kernel called setsid()
        self.cwd = cwd
        return self.connection_info

    async def wait(self) -> int | None:
        # LocalProvisioner.wait polls every 0.1 s; a forked kernel is polled every 10 ms (it exits in ~50 ms).
        if self.process is not None:
            while await self.poll() is None:
                await asyncio.sleep(0.01)
        return await super().wait()


class ForkedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels come from :attr:`fork_server` (see the module docstring).

    Set the class attribute ``fork_server`` (or use :func:`forked_kernel_manager`) before papermill /
    nbclient create instances; with ``fork_server`` ``None`` it behaves like its parent.
    """

    fork_server: ForkServer | None = None

    @default("transport_encryption")
    def _default_transport_encryption(self) -> str:
        # CurveZMQ keys for every kernel whose spec declares support (ipykernel's does): the runner's traffic
        # with its kernels is encrypted, and ipykernel no longer warns "running over TCP without encryption".
        import zmq

        return "auto" if zmq.has("curve") else "disabled"

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts every kernel before asking it to shut down, in case a cell is still
        # running. The runner shuts kernels down only when the notebook is finished, and the SIGINT, arriving
        # while ipykernel ends its last request, is logged as "KeyboardInterrupt caught in kernel": skip it then.
        # A stuck kernel is still stopped: after the shutdown request comes the kill.
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None and self.fork_server is not None:
            from jupyter_client.provisioning import KernelProvisionerFactory

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or _new_kernel_id()
            factory = KernelProvisionerFactory.instance(parent=self.parent)
            provisioner = factory.create_provisioner_instance(self.kernel_id, self.kernel_spec, parent=self)
            if type(provisioner) is LocalProvisioner:  # another provisioner configured: leave it alone
                provisioner = ForkedKernelProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                      parent=self)
                provisioner.fork_server = self.fork_server
            self.provisioner = provisioner
        return await super()._async_pre_start_kernel(**kw)


def _new_kernel_id() -> str:
    import uuid

    return str(uuid.uuid4())


def forked_kernel_manager(server: ForkServer | None) -> type[ForkedKernelManager]:
    """A :class:`ForkedKernelManager` subclass bound to ``server`` (for nbclient's ``kernel_manager_class``);
    with ``None``, kernels are started from scratch."""
    return type("BoundForkedKernelManager", (ForkedKernelManager,), {"fork_server": server})


if __name__ == "__main__":  # the fork server: python -m huayu.notebook.kernels <request fd> <reply fd>
    _serve(int(sys.argv[1]), int(sys.argv[2]))
