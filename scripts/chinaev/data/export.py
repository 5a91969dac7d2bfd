"""The package as typed tables: one Parquet file per resource and one DuckDB database.

The CSV files stay the package's source (diffable, one row per line); these are what a
re-user loads in one line, typed as the Table Schemas say:

    chinaev.duckdb        every resource as a table (types, NOT NULL for required
                          fields, the primary key), the resource's description as the
                          table's comment and each field's description as the column's;
                          plus the view `figures_flat`
    <resource>.parquet    the same table; the file's key-value metadata holds the
                          Table Schema (`table_schema`: types, primary and foreign keys,
                          field descriptions), the resource's `description`, its
                          `licenses`, and the package's `package` name and `version`
    figures_flat.parquet  the view, with its column descriptions in `table_schema`

`figures_flat` is the table most re-users want first: every column of `figures`, then
what a reader needs beside each figure, joined from `entities`, `metrics` and `sources`
(FLAT_COLUMNS). Empty cells are missing values (NULL), as the schemas say.

The Parquet files are the same bytes for the same package (one thread, no time in
them). The DuckDB file holds the same tables, rows and comments every time, but not the
same bytes: DuckDB leaves unused space in its blocks as it found it in memory. It is
written in the oldest storage format that keeps comments (`STORAGE_VERSION`), so that
DuckDB 1.0 and later open it.
Nothing is written unless every table converts: the files are built in a temporary
folder and moved into place at the end.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from chinaev.data.package import check_tables, package_dir, read_descriptor, table_path
from chinaev.data.problems import Problem, UserError

DATABASE = "chinaev.duckdb"
FLAT = "figures_flat"
# The oldest storage format that keeps comments: readable by DuckDB 1.0 and later; newer
# formats also store a random database identifier.
STORAGE_VERSION = "v1.0.0"
SQL_TYPES = {
    "string": "VARCHAR",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "year": "INTEGER",
    "boolean": "BOOLEAN",
    "date": "DATE",
}
# figures_flat: after every column of `figures`, these (name, SQL, description).
FLAT_COLUMNS = (
    ("entity_name", "e.name", "Name of the entity the figure is about (entities.name)."),
    ("metric_description", "m.description", "What the metric measures (metrics.description)."),
    (
        "claim_type",
        "m.claim_type",
        "statistic, target, expectation, projection or goal (metrics.claim_type).",
    ),
    (
        "parent_entity_id",
        "e.parent_entity_id",
        "The group the entity belongs to, if a source says (entities.parent_entity_id).",
    ),
    ("source_kind", "s.kind", "Kind of source (sources.kind)."),
    ("source_title", "s.title", "Title of the source as printed (sources.title)."),
    ("source_publisher", "s.publisher", "Publisher of the source (sources.publisher)."),
    ("source_date", "s.published_date", "Publication date of the source (sources.published_date)."),
    (
        "source_date_precision",
        "s.date_precision",
        "How precise source_date is: day, month, year, not_before... (sources.date_precision).",
    ),
    ("source_url", "s.url", "Address of the source, or 'not available' (sources.url)."),
)
FLAT_DESCRIPTION = (
    "Every figure with what a reader needs beside it: its value, unit, qualifier and "
    "period, the verbatim quote and paragraph (locator) it rests on, the entity's name, "
    "the metric's definition, and the source's title, publisher, date and address."
)


def export(path: Path | str, out: Path | str) -> list[Path]:
    """Write the typed tables of the package at `path` into the folder `out`.

    Returns the files written, sorted. UserError (naming resource, row and field where
    it can) when a CSV file cannot be read or a cell does not convert to its type; then
    nothing in `out` has changed.
    """
    import duckdb

    folder = package_dir(path)
    descriptor = read_descriptor(folder)
    check_tables(folder, descriptor)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a folder")
    names = [resource["name"] for resource in descriptor["resources"]]
    if FLAT in names:
        raise UserError(f"datapackage.json: a resource is named {FLAT!r}, the name of the view")
    with tempfile.TemporaryDirectory(prefix=".chinaev-export-") as work:
        work = Path(work)
        con = duckdb.connect(
            str(work / DATABASE), config={"storage_compatibility_version": STORAGE_VERSION}
        )
        try:
            con.execute("SET threads = 1")
            for resource in descriptor["resources"]:
                _load(con, folder, resource)
            if {"figures", "sources", "metrics", "entities"} <= set(names):
                _flat_view(con, descriptor)
            for resource in descriptor["resources"]:
                _parquet(con, resource["name"], work, _metadata(descriptor, resource))
            if {"figures", "sources", "metrics", "entities"} <= set(names):
                _parquet(con, FLAT, work, _metadata(descriptor, _flat_resource(descriptor)))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        made = sorted(p for p in work.iterdir() if p.is_file() and not p.name.endswith(".wal"))
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for file in made:
            shutil.move(str(file), out / file.name)
            written.append(out / file.name)
    return sorted(written)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _fields(resource: dict) -> list[dict]:
    return resource["schema"]["fields"]


def _key(resource: dict) -> list[str]:
    key = resource["schema"].get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def _load(con, folder: Path, resource: dict) -> None:
    import duckdb

    name = resource["name"]
    fields = _fields(resource)
    columns = []
    for spec in fields:
        sql = f"{_quote(spec['name'])} {SQL_TYPES.get(spec.get('type', 'string'), 'VARCHAR')}"
        if (spec.get("constraints") or {}).get("required"):
            sql += " NOT NULL"
        columns.append(sql)
    if _key(resource):
        columns.append(f"PRIMARY KEY ({', '.join(_quote(k) for k in _key(resource))})")
    con.execute(f"CREATE TABLE {_quote(name)} ({', '.join(columns)})")
    csv_path = table_path(folder, resource)
    raw = {spec["name"]: "VARCHAR" for spec in fields}
    source = (
        f"read_csv({_text(csv_path)}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', nullstr = '', columns = {_struct(raw)})"
    )
    try:
        con.execute(f"INSERT INTO {_quote(name)} SELECT * FROM {source}")
    except duckdb.Error as error:
        raise UserError(
            f"{resource['path']}: cannot convert to the schema's types",
            _cell_problem(con, resource, source) or [Problem(name, None, None, str(error))],
        ) from None
    if resource.get("description"):
        con.execute(f"COMMENT ON TABLE {_quote(name)} IS {_text(resource['description'])}")
    for spec in fields:
        if spec.get("description"):
            con.execute(
                f"COMMENT ON COLUMN {_quote(name)}.{_quote(spec['name'])} "
                f"IS {_text(spec['description'])}"
            )


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in columns.items()) + "}"


def _cell_problem(con, resource: dict, source: str) -> list[Problem]:
    """The first cell that does not convert, as a Problem naming line and field."""
    for spec in _fields(resource):
        sql_type = SQL_TYPES.get(spec.get("type", "string"), "VARCHAR")
        if sql_type == "VARCHAR":
            continue
        column = _quote(spec["name"])
        row = con.execute(
            f"SELECT line, {column} FROM (SELECT row_number() OVER () + 1 AS line, {column} "
            f"FROM {source}) WHERE {column} IS NOT NULL "
            f"AND TRY_CAST({column} AS {sql_type}) IS NULL ORDER BY line LIMIT 1"
        ).fetchone()
        if row:
            return [
                Problem(
                    resource["name"],
                    int(row[0]),
                    spec["name"],
                    f"{row[1]!r} is not a {spec.get('type')}",
                    file=resource["path"],
                )
            ]
    return []


def _flat_view(con, descriptor: dict) -> None:
    extra = ", ".join(f"{sql} AS {_quote(name)}" for name, sql, _ in FLAT_COLUMNS)
    con.execute(
        f"CREATE VIEW {FLAT} AS SELECT f.*, {extra} FROM figures AS f "
        "LEFT JOIN entities AS e ON e.entity_id = f.entity_id "
        "LEFT JOIN metrics AS m ON m.metric = f.metric "
        "LEFT JOIN sources AS s ON s.source_id = f.source_id ORDER BY f.figure_id"
    )
    con.execute(f"COMMENT ON VIEW {FLAT} IS {_text(FLAT_DESCRIPTION)}")
    for spec in _flat_resource(descriptor)["schema"]["fields"]:
        if spec.get("description"):
            con.execute(
                f"COMMENT ON COLUMN {FLAT}.{_quote(spec['name'])} IS {_text(spec['description'])}"
            )


def _flat_resource(descriptor: dict) -> dict:
    """figures_flat described as a resource: figures' fields, then FLAT_COLUMNS'."""
    figures = next(r for r in descriptor["resources"] if r["name"] == "figures")
    types = {"source_date": "date"}
    fields = [dict(spec) for spec in _fields(figures)] + [
        {"name": name, "type": types.get(name, "string"), "description": text}
        for name, _, text in FLAT_COLUMNS
    ]
    return {
        "name": FLAT,
        "description": FLAT_DESCRIPTION,
        "licenses": figures.get("licenses") or descriptor.get("licenses") or [],
        "schema": {"fields": fields, "primaryKey": ["figure_id"]},
    }


def _metadata(descriptor: dict, resource: dict) -> dict[str, str]:
    return {
        "table_schema": json.dumps(resource["schema"], ensure_ascii=False, sort_keys=True),
        "description": str(resource.get("description") or ""),
        "licenses": json.dumps(
            resource.get("licenses") or descriptor.get("licenses") or [], ensure_ascii=False
        ),
        "package": str(descriptor.get("name") or ""),
        "version": str(descriptor.get("version") or ""),
    }


def _parquet(con, name: str, work: Path, metadata: dict[str, str]) -> None:
    kv = ", ".join(f"{key}: {_text(value)}" for key, value in metadata.items())
    target = work / f"{name}.parquet"
    con.execute(
        f"COPY (SELECT * FROM {_quote(name)}) TO {_text(target)} "
        f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{kv}}})"
    )
