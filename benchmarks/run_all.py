"""Every benchmark of the pipeline, measured in one run, printed as one table.

    .venv/bin/python benchmarks/run_all.py [--quick] [--markdown docs/benchmarks.md]

Cases (targets from the project's issue; the table says met or missed):

1. clean run + HTML build (`chinaev run --force`, then `chinaev build --html`) against
   `jupyter-book build` with `execute_notebooks: force` over the same notebooks
   (target <= 0.5x);
2. no-op re-run (`chinaev run`, nothing changed, in a fresh process as a user runs it)
   against the clean run (<= 0.02x, or at most 0.5 s);
3. one-figure edit, then `chinaev run`, against the clean run (<= 0.3x; depends on
   fingerprints that follow the rows each chapter reads); the table says how many and
   which notebooks re-ran;
4. scale: the iea resource at 1x, 10x and 100x with synthetic regions: `chinaev
   validate` time, clean run time and HTML page weight at each size;
5. Table Schema validation of one million iea rows: the DuckDB fast path against
   frictionless-py (target <= 0.1x).

Everything runs on copies in a temporary folder; the repository is not touched.
`--quick` skips the 100x size and uses 200,000 rows for case 5. `--parts` measures only
some of them: `build` (case 1), `reruns` (cases 2 and 3, after a clean run of their
own when `build` is not measured), `scale` (4), `million` (5).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # synthetic.py: copies and edits of the package

import synthetic  # noqa: E402

from chinaev.checks import fastcheck  # noqa: E402
from chinaev.checks.validate import validate_package  # noqa: E402
from chinaev.pipeline import build  # noqa: E402
from chinaev.pipeline.run import run_chapters  # noqa: E402


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def make_project(folder: Path) -> Path:
    """folder/{book, datapackage, _config.yml}: a copy of the project's inputs."""
    shutil.copytree(
        ROOT / "book", folder / "book", ignore=shutil.ignore_patterns("_build", "vega-bundle.js")
    )
    synthetic.copy_package(ROOT / "datapackage", folder / "datapackage")
    shutil.copy2(ROOT / "_config.yml", folder / "_config.yml")
    return folder


def run_options(project: Path) -> dict:
    return dict(
        datapackage=project / "datapackage" / "datapackage.json",
        book_dir=project / "book",
        jobs=2,
    )


def html_build(project: Path, output: Path) -> None:
    build.build_book(
        ["html"],
        root=project,
        book_dir=project / "book",
        config=project / "_config.yml",
        output=output,
    )


def jupyter_book_force(project: Path, output: Path) -> int:
    """Plain jupyter-book executing every notebook itself; returns its warning count.

    Without -W: executed by myst-nb instead of `chinaev run`, the chapters cannot tell
    where their source is (papermill passes it), and the warnings that follow would stop
    a -W build; the time to execute and build is what is compared.
    """
    config = project / "_config-force.yml"
    text = (project / "_config.yml").read_text(encoding="utf-8")
    config.write_text(
        text.replace('execute_notebooks: "off"', 'execute_notebooks: "force"'), encoding="utf-8"
    )
    build.write_bundle(project / "book" / "_static")
    output.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "scripts"))
    done = subprocess.run(
        [
            *build._jupyter_book(),
            "build",
            str(project / "book"),
            "--config",
            str(config),
            "--toc",
            str(project / "book" / "_toc.yml"),
            "--path-output",
            str(output),
            "--builder",
            "html",
        ],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not (output / "_build" / "html" / "index.html").exists():
        raise RuntimeError(
            f"jupyter-book build failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return (done.stdout + done.stderr).count("WARNING")


def cli_noop(project: Path, repeat: int = 5) -> float:
    """`chinaev run` with nothing to do, as a user runs it: a fresh Python process each
    time (start-up and imports included), the median of `repeat` runs after one that
    may still validate the package."""
    command = [sys.executable, "-m", "chinaev.cli", "run"]
    command += ["--book-dir", str(project / "book")]
    command += ["--datapackage", str(project / "datapackage" / "datapackage.json")]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "scripts"))
    seconds = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=project, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        if done.returncode != 0 or "executed" in done.stdout:
            raise RuntimeError(f"the no-op run did something:\n{done.stdout}{done.stderr}")
    return statistics.median(seconds[1:])


def edit_one_figure(package: Path, figure_id: str = "china_vehicle_exports_2025_05") -> None:
    """A what-if edit of one figure that keeps the package valid: its value up by 0.05 %
    (still what the source wrote, within the validator's 0.1 %) and its bounds."""
    with (package / "data" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        value = next(
            float(r["value"]) for r in csv.DictReader(handle) if r["figure_id"] == figure_id
        )
    synthetic.edit_figure(package, figure_id, value * 1.0005)


def ran(lines: list[str]) -> list[str]:
    """The chapters a `run_chapters` summary says were executed."""
    return [line.split(":", 1)[0] for line in lines if ": executed in" in line]


def least_read_figure(book: Path, package: Path) -> tuple[str, int]:
    """The figure the fewest executed notebooks record reading, and how many read it."""
    readers: dict[str, int] = {}
    for notebook in book.glob("*.ipynb"):
        meta = json.loads(notebook.read_text(encoding="utf-8"))["metadata"].get("chinaev", {})
        for record in (meta.get("reads") or {}).get("records") or []:
            readers[record] = readers.get(record, 0) + 1
    with (package / "data" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        figures = [row["figure_id"] for row in csv.DictReader(handle)]
    counted = [(readers[f], f) for f in figures if f in readers]
    count, figure = min(counted)
    return figure, count


def page_weight(html: Path) -> tuple[int, int]:
    """Bytes of all HTML pages, and of the largest page."""
    sizes = [p.stat().st_size for p in html.rglob("*.html")]
    return sum(sizes), max(sizes)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument(
        "--parts",
        default="build,reruns,scale,million",
        help="comma-separated parts to measure: build, reruns, scale, million (default: all)",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    unknown = parts - {"build", "reruns", "scale", "million"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    rows: list[tuple[str, str, str, str]] = []  # case, measured, ratio, target
    loads = [load_average()]

    def add(case, seconds=None, ratio=None, target=None, text=None, or_seconds=None):
        shown = text if text is not None else f"{seconds:.2f} s"
        verdict = ""
        if ratio is not None and target is not None:
            met = ratio <= target or (or_seconds is not None and seconds <= or_seconds)
            either = f" or <= {or_seconds} s" if or_seconds is not None else ""
            verdict = f"{'met' if met else 'missed'} (<= {target}x{either})"
        rows.append((case, shown, f"{ratio:.3f}x" if ratio is not None else "", verdict))
        print(f"{case}: {shown}" + (f", {ratio:.3f}x {verdict}" if ratio is not None else ""))

    with tempfile.TemporaryDirectory(prefix="chinaev-bench-") as tmp:
        tmp = Path(tmp)
        os.environ["CHINAEV_CACHE_DIR"] = str(tmp / "cache")  # a cold validation cache

        # 1-3: the real package
        if parts & {"build", "reruns"}:
            project = make_project(tmp / "p1")
            options = run_options(project)
            clean_run, lines = timed(run_chapters, force=True, **options)
            notebooks = len(ran(lines))
            add(f"clean run (chinaev run --force, {notebooks} notebooks, 2 jobs)", clean_run)
        if "build" in parts:
            clean_html, _ = timed(html_build, project, tmp / "p1-build")
            clean = clean_run + clean_html
            add("HTML build of it (chinaev build --html)", clean_html)
            plain_project = make_project(tmp / "p1-plain")
            plain, warnings = timed(jupyter_book_force, plain_project, tmp / "p1-plain-build")
            add(f"jupyter-book build, execute_notebooks: force ({warnings} warnings)", plain)
            add("clean run + HTML build vs jupyter-book force", clean, clean / plain, 0.5)
        if "reruns" in parts:
            noop = cli_noop(project)
            case = "no-op re-run (chinaev run, nothing changed)"
            add(case, noop, noop / clean_run, 0.02, or_seconds=0.5)
            least, readers = least_read_figure(project / "book", project / "datapackage")
            for figure, what in (
                ("china_vehicle_exports_2025_05", "the May 2025 exports figure"),
                (least, f"{least}, read by {readers} notebook(s)"),
            ):
                edit_one_figure(project / "datapackage", figure)
                edited, lines = timed(run_chapters, **options)
                names = ran(lines)
                add(
                    f"one-figure edit ({what}), then chinaev run ({len(names)} of {notebooks} "
                    f"notebooks ran: {', '.join(names) or 'none'})",
                    edited,
                    edited / clean_run,
                    0.3,
                )
        loads.append(load_average())

        # 4: scale
        factors = () if "scale" not in parts else (1, 10) if args.quick else (1, 10, 100)
        for factor in factors:
            scaled = make_project(tmp / f"x{factor}")
            rows_written = synthetic.scale_iea(scaled / "datapackage", factor)
            seconds, result = timed(validate_package, scaled / "datapackage")
            problems = len(result.problems)
            add(f"x{factor} ({rows_written:,} iea rows): chinaev validate", seconds)
            if problems:
                add(f"x{factor}: validation problems", text=str(problems))
            seconds, _ = timed(run_chapters, force=True, **run_options(scaled))
            add(f"x{factor}: clean run, all notebooks", seconds)
            html_build(scaled, tmp / f"x{factor}-build")
            total, largest = page_weight(tmp / f"x{factor}-build" / "html")
            add(
                f"x{factor}: HTML page weight",
                text=f"{total / 1e6:.2f} MB in all pages, largest page {largest / 1e6:.2f} MB",
            )
            shutil.rmtree(scaled)
            loads.append(load_average())

        # 5: a million rows
        if "million" in parts:
            million = 200_000 if args.quick else 1_000_000
            big = synthetic.copy_package(ROOT / "datapackage", tmp / "big")
            synthetic.scale_iea(big, 0, rows=million)
            descriptor = json.loads((big / "datapackage.json").read_text(encoding="utf-8"))
            fast, errors = timed(fastcheck.check_resource_errors, big, descriptor, "iea")
            assert errors == [], errors
            add(f"validate {million:,} iea rows: DuckDB fast path", fast)
            descriptor_path = big / "datapackage.json"
            slow, errors = timed(fastcheck.frictionless_errors, big, descriptor_path, "iea")
            assert errors == [], errors
            add(f"validate {million:,} iea rows: frictionless-py", slow)
            add("fast path vs frictionless-py", fast, fast / slow, 0.1)
            loads.append(load_average())

    header = (
        f"Measured {date.today().isoformat()} on {machine()}; "
        f"load average (1/5/15 min) at the start and after each part: {'; '.join(loads)}"
    )
    table = ["| case | measured | ratio | target |", "|---|---|---|---|"]
    table += [f"| {case} | {shown} | {ratio} | {verdict} |" for case, shown, ratio, verdict in rows]
    print()
    print(header)
    print("\n".join(table))
    if args.markdown:
        Path(args.markdown).write_text(header + "\n\n" + "\n".join(table) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
