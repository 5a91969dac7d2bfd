"""What every chapter notebook needs: load the package, glue numbers and citations,
and list the sources behind every number it shows.

A chapter registers each figure it uses with `Chapter.fig()` or `Chapter.derived()`.
That glues the formatted value under the record's id and a citation under
`cite_<id>`; `Chapter.sources()` then renders the numbered list the citations link
to, with each figure's verbatim quote, its locator and any correction.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import Markdown
from myst_nb import glue

from chinaev.data.package import Package, load, split_inputs
from chinaev.data.reads import Reads
from chinaev.report import charts, escape, prose, references

# How a chart draws a hedged figure: 'up to' and 'less than' give only an upper bound,
# 'more than' and 'at least' only a lower one.
BOUNDS = {"up_to": "upper", "less_than": "upper", "more_than": "lower", "at_least": "lower"}


def setup() -> None:
    """Set-up shared by every chapter: chart theme and offline renderer, quiet pandas."""
    charts.setup()
    pd.set_option("display.max_colwidth", 120)


@dataclass
class Chapter:
    name: str
    package: Package
    cited: list[str] = field(default_factory=list)
    glued: set[str] = field(default_factory=set)
    references_page: bool = False

    @classmethod
    def open(cls, name: str, datapackage: str, as_of: str = "") -> Chapter:
        setup()
        chapter = cls(name, load(datapackage, as_of=as_of or None))
        # Every lookup from here on is noted: `chinaev run` keeps the record (reads.py).
        chapter.package.reads = Reads()
        # Number citations in reading order: the order of `cite_<id>` references in the
        # chapter's own markdown. `chinaev run` names the source file; nbval and plain
        # papermill run the chapter from its own folder.
        source = Path(os.environ.get("CHINAEV_CHAPTER_SOURCE") or f"{name}.ipynb")
        # Sources link to the book's references page when the book has one (a chapter
        # built on its own, or a fixture book, has none, and a dead link fails the build).
        chapter.references_page = (source.parent / "references.ipynb").is_file()
        chapter.cited = [i for i in citation_order(source) if chapter.has(i)]
        return chapter

    # -- values -----------------------------------------------------------------
    def has(self, record_id: str) -> bool:
        return self.package.has(record_id)

    def value(self, record_id: str) -> float:
        return self.package.value(record_id)

    def fig(self, figure_id: str) -> str:
        """Glue a source figure as prose (hedged as the source hedged it) with its citation."""
        return self._glue(figure_id, prose.figure)

    def derived(self, derived_id: str) -> str:
        """Glue a derived figure (rounded, marked 'about' when approximate) with its citation."""
        return self._glue(derived_id, prose.derived)

    def numbers(self, *record_ids: str) -> None:
        """Glue every figure or derived figure a section's prose refers to, with its
        period as `period_<id>` ('May 2025') and, for a change, the period it is
        measured from as `base_<id>`. Prose cites a number with `{num}`<id>``."""
        for record_id in record_ids:
            (self.derived if self.package.is_derived(record_id) else self.fig)(record_id)
            if not self.has(record_id):
                self._once(f"period_{record_id}", str(self.unknown))
                self._once(f"base_{record_id}", str(self.unknown))
                continue
            record = self.package.record(record_id)
            shown = prose.period(record["period_start"], record["period_end"])
            self._once(f"period_{record_id}", shown)
            if pd.notna(record.get("base_period_start")):
                base = prose.period(record["base_period_start"], record["base_period_end"])
                self._once(f"base_{record_id}", base)

    @property
    def unknown(self) -> prose.Unknown:
        """The placeholder for what the package does not hold as of its date."""
        return prose.Unknown(self.package.as_of)

    def cite(self, record_id: str) -> escape.MyST:
        """The bracketed link to a record's entry in the sources list (gluing the record),
        for sentences and table cells the chapter builds; empty if not yet published."""
        self.numbers(record_id)
        if record_id not in self.cited:
            return escape.MyST("")
        return escape.MyST(f"[[{self.cited.index(record_id) + 1}]](#{self.anchor(record_id)})")

    def md(self, key: str, template: str, /, **values) -> escape.MyST:
        """Glue MyST built from a template the chapter wrote and escaped data values
        (`{glue:md}`key``). MyST values, such as `cite()` links, pass unescaped."""
        built = escape.md(template, **values)
        self._once(key, Markdown(built))
        return built

    def show(self, built) -> Markdown:
        """Markdown for a cell's output: MyST the library built (a bibliography, a
        list), or a plain string, which is escaped."""
        return Markdown(escape.myst(built) if not isinstance(built, escape.MyST) else built)

    def event(self, key: str, event_id: str, precision: str | None = None) -> str:
        """Glue an event's date as prose, to the precision the package records (or a
        coarser one), or the placeholder when the event is not in the package yet."""
        match = self.package.select("events", event_id=event_id)
        if match.empty:
            shown = str(self.unknown)
        else:
            row = match.iloc[0]
            shown = prose.date(row["date"], precision or row["date_precision"])
        self._once(key, shown)
        return shown

    def table(self, frame: pd.DataFrame, caption, name: str, widths=None, long=False) -> Markdown:
        """A captioned, numbered table (see `table`)."""
        return table(frame, caption, name, widths, long)

    def when(self, key: str, record_ids: list[str], phrase) -> None:
        """Glue `phrase(*values)` for a judgement that depends on the data (say, whether
        exports rose or fell), or a plain 'not known' when, as of the chapter's date, a
        value it needs had not been published."""
        if all(self.has(i) for i in record_ids):
            self.package.reads.phrase(key, record_ids)
            self._once(key, phrase(*(self.value(i) for i in record_ids)))
        else:
            self._once(key, f"(not known as of {self.package.as_of})")

    def entity(self, entity_id: str) -> None:
        """Glue an entity's name with its Chinese name, e.g. 'Horgos (霍尔果斯)', as
        `entity_<id>`, so names come from the data package like numbers do."""
        row = self.package.select("entities", entity_id=entity_id).iloc[0]
        shown = f"{row['name']} ({row['name_zh']})" if row["name_zh"] else row["name"]
        self._once(f"entity_{entity_id.replace('-', '_')}", shown)

    def text(self, key: str, value: str) -> None:
        """Glue a computed phrase (e.g. 'rose' or 'fell') that follows the data."""
        self._once(key, value)

    def _once(self, key: str, value) -> None:
        # myst-nb warns on a key glued twice, and the book builds with warnings as errors.
        if key not in self.glued:
            self.glued.add(key)
            glue(key, value, display=False)

    def _glue(self, record_id: str, formatter) -> str:
        if self.has(record_id):
            shown = formatter(self.package.record(record_id))
            if record_id not in self.cited:
                self.cited.append(record_id)
            citation = f"[[{self.cited.index(record_id) + 1}]](#{self.anchor(record_id)})"
        else:
            shown = str(prose.not_published(self.package.as_of))
            citation = ""
        self._once(record_id, shown)
        self._once(f"cite_{record_id}", Markdown(citation))
        return shown

    def chart(self, key: str, chart) -> None:
        """Glue a chart for a `glue:figure` directive (numbered, captioned)."""
        self._once(key, chart)

    def frame(self, ids: list[str], label_of=None) -> pd.DataFrame:
        """Records as a chart-ready frame: value, formatted label, basis and category.

        Every record is also glued and cited, so a chart never shows a number that the
        sources list does not explain. `label_of(record)` names each bar or point;
        by default the period's start as 'May 2025'.
        """
        rows = []
        for record_id in ids:
            if not self.has(record_id):
                continue
            record = self.package.record(record_id)
            is_figure = "figure_id" in record and isinstance(record.get("figure_id"), str)
            shown = self.fig(record_id) if is_figure else self.derived(record_id)
            rows.append(
                {
                    "id": record_id,
                    "category": label_of(record) if label_of else f"{record['period_start']:%b %Y}",
                    "value": float(record["value"]),
                    "label": shown,
                    "basis": "reported" if is_figure else "derived",
                    "bound": BOUNDS.get(record.get("qualifier"), "") if is_figure else "",
                    "period_start": record["period_start"],
                }
            )
        frame = pd.DataFrame(
            rows, columns=["id", "category", "value", "label", "basis", "bound", "period_start"]
        )
        frame["period_start"] = pd.to_datetime(frame["period_start"])
        return frame

    def iea(
        self,
        *,
        region: str,
        parameter: str,
        mode: str,
        powertrains: list[str],
        category: str = "Historical",
    ) -> pd.DataFrame:
        """IEA rows as a chart-ready frame (year, powertrain, value, label); cites the IEA."""
        rows = self.package.iea_slice(
            region=region,
            parameter=parameter,
            mode=mode,
            category=category,
            powertrains=powertrains,
        )
        if len(rows) and "iea" not in self.cited:
            self.cited.append("iea")
        formatter = prose.UNIT_FORMATS.get(rows["unit"].iloc[0], prose.number) if len(rows) else str
        rows["label"] = rows["value"].map(formatter)
        rows["year"] = rows["year"].astype(int)
        return rows.sort_values(["year", "powertrain"]).reset_index(drop=True)

    # -- citations --------------------------------------------------------------
    def anchor(self, record_id: str) -> str:
        return f"{self.name}-src-{record_id}".replace("_", "-")

    def sources(self) -> Markdown:
        """The numbered list behind every citation in the chapter, as MyST markdown."""
        # Inputs of derived figures join the list, so every step of a derivation can be
        # followed to a quote. Appending keeps the numbers already glued valid.
        for record_id in self.cited:
            if record_id != "iea" and not self._is_figure(record_id):
                for ref in split_inputs(self.package.record(record_id)["inputs"]):
                    ref = "iea" if ref.startswith("iea:") else ref
                    if ref not in self.cited:
                        self.cited.append(ref)
        blocks = []
        for number, record_id in enumerate(self.cited, start=1):
            if record_id == "iea":
                label = self._source_label(self.package.iea_source_id)
                body = f"IEA data: {label}, resource `iea`."
            else:
                record = self.package.record(record_id)
                body = (
                    self._figure_entry(record)
                    if self._is_figure(record_id)
                    else self._derived_entry(record)
                )
            blocks.append(f"({self.anchor(record_id)})=\n**[{number}]** {body}")
        return Markdown("\n\n".join(blocks) or "No figures from the data package are shown.")

    def _is_figure(self, record_id: str) -> bool:
        return isinstance(self.package.record(record_id).get("figure_id"), str)

    def _link(self, record_id: str) -> str:
        shown = f"`{record_id}`"
        if record_id.startswith("iea:"):
            # region|category|parameter|mode|powertrain|year, as words a reader can follow
            parts = record_id[4:].split("|")
            if len(parts) == 6:
                region, category, parameter, mode, powertrain, year = parts
                parts = [region, parameter, mode, powertrain, year, category.lower()]
            where = ", ".join(parts)
            shown = f"IEA ({escape.myst(where)})"
            record_id = "iea"
        if record_id in self.cited:
            return f"[{shown} [{self.cited.index(record_id) + 1}]](#{self.anchor(record_id)})"
        return shown

    def _source_label(self, source_id: str) -> str:
        """A source named as readers know it, linked to its entry in the references."""
        row = self.package.source(source_id).to_dict()
        who = references._text(row.get("author")) or references._text(row.get("publisher"))
        title = escape.myst(references.cited_title(row.get("title")))
        named = f"{escape.myst(who)}, *{title}*" if who else f"*{title}*"
        if not self.references_page:
            return named
        return f"[{named}](#{references.anchor(source_id)})"

    def iea_credit(self) -> str:
        """Chart credit for the IEA edition in the package, e.g. 'IEA, Global EV Outlook 2024
        (CC BY 4.0)'; chapters use it rather than type the edition. The title comes from the
        edition's sources row; `chinaev import-iea` names that row iea-gevo-<year>, so the
        year in the id stands in when an earlier date has left the row out."""
        source_id = self.package.iea_source_id
        titles = self.package.select("sources", ["title"], source_id=source_id)["title"]
        if len(titles):
            outlook = str(titles.iloc[0]).split(":", 1)[0].strip()
        else:
            outlook = f"Global EV Outlook {source_id.rsplit('-', 1)[-1]}"
        return f"IEA, {outlook} (CC BY 4.0)"

    def cite_iea(self) -> str:
        """Markdown link to the IEA entry of the sources list."""
        if "iea" not in self.cited:
            self.cited.append("iea")
        return f"[[{self.cited.index('iea') + 1}]](#{self.anchor('iea')})"

    def _figure_entry(self, record: pd.Series) -> str:
        entry = (
            f"`{record['figure_id']}`: “{escape.myst(record['quote'])}”, "
            f"paragraph {record['locator'][1:]} of {self._source_label(record['source_id'])}."
        )
        if record["correction_id"]:
            fixes = self.package.select("corrections", correction_id=record["correction_id"])
            if len(fixes):
                fix = fixes.iloc[0]
                entry += f" *Correction:* {escape.myst(fix['correct_statement'])}"
        return entry

    def _derived_entry(self, record: pd.Series) -> str:
        inputs = ", ".join(self._link(ref) for ref in split_inputs(record["inputs"]))
        return (
            f"`{record['derived_id']}` (derived): {escape.myst(record['note'])} "
            f"Computed as {escape.myst(record['formula'])} from {inputs}."
        )


def citation_order(notebook: Path) -> list[str]:
    """Record ids in the order the notebook's markdown first cites them (empty if absent)."""
    if not notebook.is_file():
        return []
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    text = "\n".join("".join(c["source"]) for c in cells if c.get("cell_type") == "markdown")
    return list(dict.fromkeys(m[0] or m[1] for m in CITED.findall(text)))


# A citation in a chapter's markdown: {num}`<id>` (value and citation) or `cite_<id>`.
CITED = re.compile(r"\{num\}`([A-Za-z0-9_]+)`|`cite_([A-Za-z0-9_]+)`")


def direction(value: float, up: str = "rose", down: str = "fell", flat: str = "held steady") -> str:
    """The verb for a change, so prose follows the sign of the data."""
    return up if value > 0 else down if value < 0 else flat


def records(package: Package, ids: list[str]) -> pd.DataFrame:
    """Rows for the ids that exist (as of the package's date), figures and derived alike."""
    rows = [package.record(i) for i in ids if package.has(i)]
    return pd.DataFrame(rows).reset_index(drop=True)


def table(
    frame: pd.DataFrame,
    caption: str,
    name: str,
    widths: list[int] | None = None,
    long: bool = False,
) -> Markdown:
    """A captioned, numbered table that renders the same in HTML and PDF; every cell
    and the caption escaped (MyST cells, such as citation links, pass).

    `widths` are relative column widths; the PDF needs them when cells are short
    words that LaTeX would otherwise hyphenate into narrow columns. `long` lets the
    table break across PDF pages: Sphinx sets a table of up to thirty rows in a LaTeX
    environment that cannot break, so a shorter table with long cells would run off the
    page; the class `longtable` makes LaTeX break between rows and repeat the header."""

    def cell(value) -> str:
        return escape.myst_cell(value)

    header = "| " + " | ".join(map(cell, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    options = [":class: longtable"] * long + [f":name: {name}"]
    options += [f":widths: {' '.join(map(str, widths))}"] if widths else []
    # A colon fence, not backticks: a backtick fence's opening line may hold no backtick,
    # so a caption quoting data with a backtick in it would silently lose the table.
    lines = [f":::{{table}} {escape.myst(caption)}", *options, "", header, rule, *body, ":::"]
    return Markdown("\n".join(lines))


def long_table(frame: pd.DataFrame, caption: str, name: str, widths=None) -> Markdown:
    """`table`, breakable across PDF pages."""
    return table(frame, caption, name, widths, long=True)
