"""Execute chapter notebooks with papermill: in parallel, atomically, reproducibly.

The executed notebook is committed with its outputs so that nbval can re-run it in
CI and find the book stale when the data changed; three things make that work:

- The `datapackage` parameter is written relative to the notebook's folder when the
  package lies inside the project (parameters.py), so the committed notebook
  re-executes identically on any clone.
- Volatile metadata (timestamps, durations, temporary paths, the random id of
  papermill's injected cell) is removed, so re-running on unchanged inputs gives a
  byte-identical file.
- A chapter is written with `os.replace` from a temporary file in the same folder: a
  chapter that fails leaves its previous good notebook untouched.

This module imports nbformat; papermill and jupyter_client are imported when a
chapter is executed. run.py imports it only when some chapter has to run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from chinaev.data import reads
from chinaev.data.problems import UserError
from chinaev.pipeline.fingerprint import INJECTED_TAG, digest, fingerprint_parts

KERNEL = "python3"
SOURCE_ENV = "CHINAEV_CHAPTER_SOURCE"
# Of papermill's notebook metadata only these are stable across runs; the rest
# are times, durations and the (temporary) input and output paths.
KEPT_PAPERMILL_METADATA = ("default_parameters", "parameters", "version")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RESULT_MARK = "chinaev-run-result: "


@dataclass(frozen=True)
class Job:
    name: str
    source: Path
    output: Path
    cwd: Path
    parameters: dict
    reason: str  # why it runs, for the summary


@dataclass(frozen=True)
class Outcome:
    name: str
    output: Path
    seconds: float
    reason: str = ""
    error: str | None = None  # one line: where and why the chapter failed


def check_kernel() -> None:
    """The python3 kernel must run this environment's Python, where chinaev is installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise UserError(
            f"no Jupyter kernel named {KERNEL}: run `{sys.executable} -m ipykernel install "
            "--sys-prefix` once"
        ) from None
    command = spec.argv[0] if spec.argv else ""
    # jupyter_client replaces these bare names with the running interpreter.
    own = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if command not in own and Path(command).absolute() != Path(sys.executable).absolute():
        raise UserError(
            f"the {KERNEL} kernel ({spec.resource_dir}) runs {command}, not this environment's "
            f"{sys.executable}; remove that kernel spec or run `{sys.executable} -m ipykernel "
            "install --sys-prefix`"
        )


def execute_all(work: list[Job], workers: int, progress=None) -> list[Outcome]:
    """Run `work`, `workers` chapters at a time; outcomes in the order of `work`.

    `progress(line)` hears each chapter start and end, one whole line per call and
    never two calls at once.
    """
    # With more than one job at a time, each chapter runs in its own Python process
    # (papermill changes the process's working directory while it starts a kernel,
    # so two executions cannot share one process); threads only wait for those
    # processes. Plain subprocesses rather than multiprocessing: "spawn" would
    # re-import the caller's __main__, which breaks any script without a __main__
    # guard. One at a time, chapters run in this process: nothing else can see the
    # working directory change, and starting a Python process per chapter cost
    # more than a small chapter's own run.
    execute = _execute_in_subprocess if workers > 1 else _execute_here
    lock = threading.Lock()

    def say(line: str) -> None:
        if progress:
            with lock:
                progress(line)

    def run(job: Job) -> Outcome:
        say(f"{job.name}: running ({job.reason})")
        outcome = execute(job)
        state = "failed" if outcome.error else "done"
        say(f"{job.name}: {state} in {outcome.seconds:.1f} s")
        return outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, work))


def _execute_in_subprocess(job: Job) -> Outcome:
    started = time.perf_counter()
    request = json.dumps(
        {
            "name": job.name,
            "source": str(job.source),
            "output": str(job.output),
            "cwd": str(job.cwd),
            "parameters": job.parameters,
        },
        default=str,
    )
    # The kernel's own chatter (e.g. ipykernel's TCP warning) goes to the
    # worker's stderr: keep it out of the CLI's output unless the worker crashes.
    done = subprocess.run(
        [sys.executable, "-c", "from chinaev.pipeline.execute import worker; worker()"],
        input=request,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_RESULT_MARK):
            error = json.loads(line[len(_RESULT_MARK) :])["error"]
            return Outcome(job.name, job.output, seconds, job.reason, error)
    reason = _last_text_line(done.stderr) or f"exit status {done.returncode}"
    crash = f"{job.name}: the worker crashed: {reason}"
    return Outcome(job.name, job.output, seconds, job.reason, crash)


def _execute_here(job: Job) -> Outcome:
    """One chapter in this process; the environment and working directory are restored."""
    started = time.perf_counter()
    saved = {name: os.environ.get(name) for name in (SOURCE_ENV, reads.READS_ENV)}
    cwd = os.getcwd()
    try:
        error = execute(job.name, job.source, job.output, job.cwd, job.parameters)
    finally:
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Outcome(job.name, job.output, time.perf_counter() - started, job.reason, error)


def worker() -> None:
    """Entry point of a worker process: a job as JSON on stdin, one result line on stdout."""
    job = json.loads(sys.stdin.read())
    error = execute(
        job["name"],
        Path(job["source"]),
        Path(job["output"]),
        Path(job["cwd"]),
        job["parameters"],
    )
    print(_RESULT_MARK + json.dumps({"error": error}), flush=True)


def _socket_kernel_manager() -> type:
    """A kernel manager whose kernel listens on Unix sockets in a folder of its own.

    Over TCP each kernel is handed five ports found free a moment earlier; kernels
    started at the same moment (`--jobs`, or other runs on the machine) can be handed
    the same port, and one of them dies before it replies. Socket files in a fresh
    private folder cannot collide, and nothing listens on the network.
    """
    from jupyter_client.manager import AsyncKernelManager

    class SocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            self._sockets = tempfile.TemporaryDirectory(prefix="chinaev-kernel-")
            kwargs.update(transport="ipc", ip=os.path.join(self._sockets.name, "kernel"))
            super().__init__(**kwargs)

    return SocketKernelManager


def execute(name: str, source: Path, output: Path, cwd: Path, parameters: dict) -> str | None:
    """Run one chapter into a temporary file, tidy it, then move it into place.

    Returns None, or one line saying where and why the chapter failed; never
    raises for a chapter's own failure, so that the other chapters still run.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp.ipynb", dir=output.parent)
    os.close(handle)
    temporary = Path(temporary)
    # The kernel inherits this variable: it tells the chapter where its own source is,
    # since the kernel's working directory is the output folder (see chapter.py).
    os.environ[SOURCE_ENV] = str(source.absolute())
    record = temporary.with_suffix(".reads.json")
    os.environ[reads.READS_ENV] = str(record)
    try:
        try:
            papermill.execute_notebook(
                str(source),
                str(temporary),
                parameters=parameters,
                kernel_name=KERNEL,
                cwd=str(cwd),
                log_output=False,
                progress_bar=False,
                kernel_manager_class=_socket_kernel_manager(),
                shutdown_kernel="immediate",
                # papermill rewrites the whole output after every cell by default, so a
                # half-run notebook can be watched; ours is a temporary file that only
                # replaces the chapter once it is complete, and those rewrites cost
                # about a quarter of a chapter's run.
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError as error:
            return _describe_failure(name, error)
        except Exception as error:  # kernel died or timed out, unreadable notebook, ...
            return f"{name}: {_last_line(error)}"
        notebook = nbformat.read(str(temporary), as_version=4)
        read = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else None
        descriptor = Path(cwd, parameters["datapackage"])
        parts = fingerprint_parts(source, descriptor, parameters, read)
        tidy(notebook, parts, read)
        _write_durably(notebook, temporary, like=output)
        os.replace(temporary, output)
        return None
    finally:
        temporary.unlink(missing_ok=True)
        record.unlink(missing_ok=True)


def tidy(notebook: nbformat.NotebookNode, parts: dict[str, str], read: dict | None = None) -> None:
    """Remove what changes from run to run; record the fingerprint, its parts and
    what the chapter read; hide papermill's injected parameters from readers."""
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)  # nbclient's per-cell timestamps
        tags = cell.metadata.get("tags", [])
        if INJECTED_TAG in tags:
            if "id" in cell:
                cell.id = INJECTED_TAG  # papermill gives it a random id on every run
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
    if "papermill" in notebook.metadata:
        kept = {
            key: notebook.metadata.papermill[key]
            for key in KEPT_PAPERMILL_METADATA
            if key in notebook.metadata.papermill
        }
        notebook.metadata.papermill = kept
    notebook.metadata["chinaev"] = {"fingerprint": digest(parts), "parts": parts}
    if read is not None:
        notebook.metadata["chinaev"]["reads"] = read


def _write_durably(notebook: nbformat.NotebookNode, path: Path, like: Path) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        nbformat.write(notebook, stream)
        stream.flush()
        os.fsync(stream.fileno())
    # mkstemp creates files readable by the owner only; keep the old mode or the usual one.
    if like.exists():
        mode = like.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(path, mode)


def _describe_failure(name: str, error) -> str:
    """`name: cell N (In [k], starting "..."): Error: message` - the traceback's last line.

    N counts every cell of the executed notebook, papermill's injected
    parameters cell included; a multi-line message is cut to its first line.
    """
    first = next((line.strip() for line in (error.source or "").splitlines() if line.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    message = _text_lines(error.evalue)
    reason = error.ename + (f": {message[0]}" if message else "")
    if len(message) > 1:
        reason += " ..."
    where = f'cell {error.cell_index + 1} (In [{error.exec_count}], starting "{first}")'
    return f"{name}: {where}: {reason}"


def _last_line(error: BaseException) -> str:
    text = _last_text_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _last_text_line(text: str) -> str:
    lines = _text_lines(text)
    return lines[-1] if lines else ""


def _text_lines(text: str | None) -> list[str]:
    return [line.strip() for line in ANSI.sub("", str(text or "")).splitlines() if line.strip()]
