"""The release: one version and one date, said alike everywhere; licences; no way out.

The descriptor (`version`, `created`), both CITATION.cff files (the repository's and the
package's), CHANGELOG.md (the newest dated heading), release.json and the PDF's title
page line (sphinx_ext.edition_line) must agree. `chinaev release` moves the Unreleased
entries under a new version and keeps all of them in step.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

from helpers import DATAPACKAGE, ROOT

from chinaev import cli
from chinaev.checks.validate import validate_package
from chinaev.data import release
from chinaev.pipeline.sphinx_ext import edition_line

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def descriptor(folder: Path = DATAPACKAGE) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def citation(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    version = re.search(r'(?m)^version: "?([^"\n]+)"?$', text).group(1)
    day = re.search(r'(?m)^date-released: "?([^"\n]+)"?$', text).group(1)
    return version, day


def agreement(folder: Path, citations: list[Path]) -> tuple[str, str]:
    data = descriptor(folder)
    version, day = data["version"], data["created"][:10]
    changelog = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    released = release.versions(changelog)
    newest = min(released.items(), key=lambda item: item[1][1])  # first heading in the file
    assert newest == (version, (day, newest[1][1])), f"CHANGELOG's newest is {newest}"
    for path in citations:
        assert citation(path) == (version, day), path
    record = release.read_release(folder)
    assert (record["version"], record["date"]) == (version, day)
    when = date.fromisoformat(day)
    assert edition_line(folder / "datapackage.json") == (
        f"Data package {version}, {when.day} {when:%B %Y}"
    )
    found = release.unreleased(changelog)
    assert found is not None, "CHANGELOG.md keeps an Unreleased heading"
    return version, day


def test_version_and_date_agree_everywhere():
    version, _ = agreement(DATAPACKAGE, [ROOT / "CITATION.cff", DATAPACKAGE / "CITATION.cff"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert version != "0.1.0", "the schema changes of this turn are released"


def test_the_release_record_matches_the_data_or_unreleased_says_what_changed():
    record = release.read_release(DATAPACKAGE)
    now = release.file_digests(DATAPACKAGE)
    changelog = (DATAPACKAGE / "CHANGELOG.md").read_text(encoding="utf-8")
    if release.digest(now) != record["digest"]:
        assert release.unreleased(changelog)[1], "data changed: say so under Unreleased"
    assert set(now) == set(release.data_files(DATAPACKAGE))


def test_every_resource_names_its_licences():
    data = descriptor()
    assert data["licenses"] and all(
        {"name", "path", "title"} <= set(lic) for lic in data["licenses"]
    )
    iea_keys = {"region", "category", "parameter", "year"}
    for resource in data["resources"]:
        licences = resource.get("licenses") or []
        assert licences, f"resource {resource['name']} has no licenses"
        for licence in licences:
            assert {"name", "path", "title"} <= set(licence), resource["name"]
            assert licence["name"] == "CC-BY-4.0" and licence["path"] == CC_BY
        schema = json.loads((DATAPACKAGE / resource["schema"]).read_text(encoding="utf-8"))
        fields = {spec["name"] for spec in schema["fields"]}
        # factcheck_results stores the IEA values each claim was set against.
        from_iea = resource["name"] in ("iea", "derived", "factcheck_results") or iea_keys <= fields
        has_iea = any("IEA" in licence["title"] for licence in licences)
        assert has_iea == from_iea, f"{resource['name']}: the IEA's licence iff IEA-derived"
        if "quote" in fields:
            assert any("quote" in licence["title"] for licence in licences), resource["name"]


def every_path(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str):
                yield f"{where}.path", value
            elif key not in ("schema",) or not isinstance(value, str):
                yield from every_path(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from every_path(value, f"{where}[{index}]")


def test_no_descriptor_path_leaves_the_package():
    for where, value in every_path(descriptor()):
        if value.startswith("https://"):
            continue
        target = (DATAPACKAGE / value).resolve()
        assert target.is_relative_to(DATAPACKAGE.resolve()), f"{where}: {value}"


def test_chinaev_release_moves_unreleased_under_a_new_version(tmp_path, capsys):
    folder = tmp_path / "datapackage"
    shutil.copytree(DATAPACKAGE, folder, ignore=shutil.ignore_patterns("raw"))
    top = tmp_path / "CITATION.cff"
    shutil.copy2(ROOT / "CITATION.cff", top)
    # Whatever the package's own Unreleased section says, this test starts from none.
    changelog = folder / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    start = text.index("## Unreleased\n") + len("## Unreleased\n")
    changelog.write_text(text[:start] + "\n" + text[text.index("\n## ", start) + 1 :])
    figures = folder / "data" / "figures.csv"
    figures.write_text(figures.read_text(encoding="utf-8").replace(",seventh,", ",7th,", 1))
    problems = validate_package(folder, provenance=True).problems
    changed = [p for p in problems if p.file == "CHANGELOG.md"]
    assert changed and "data/figures.csv" in changed[0].message
    changelog = folder / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("## Unreleased\n", "## Unreleased\n\n- A rank.\n", 1))
    assert not [p for p in validate_package(folder).problems if p.file == "CHANGELOG.md"]
    new = descriptor(folder)["version"].split(".")
    version = f"{new[0]}.{int(new[1]) + 1}.0"
    lines = release.record_release(folder, version, "2027-01-02", [top])
    assert any("Unreleased moved" in line for line in lines)
    assert agreement(folder, [top, folder / "CITATION.cff"]) == (version, "2027-01-02")
    text = changelog.read_text(encoding="utf-8")
    assert release.unreleased(text)[1] == []
    assert text.index(f"## {version} — 2027-01-02") < text.index("- A rank.")
    assert not [p for p in validate_package(folder).problems if p.file == "CHANGELOG.md"]
    # The command line: the same version twice is refused, nothing written.
    before = changelog.read_bytes()
    code = cli.main(["release", "--version", version, "--datapackage", str(folder)])
    assert code == 1 and "already released" in capsys.readouterr().err
    assert changelog.read_bytes() == before
