"""No number is read out of free text: no module of the library and no notebook cell
applies a regular expression to a correction, note, quote or basis field to get a value.

Numbers enter the book as figures (a source, a paragraph and a verbatim quote) or as
derived figures (a formula over figures). A regex over the corrections register or an
editor's note would bring in a number with neither, and would break silently when the
wording changes. The check reads the code (it does not run it): a regex call whose
text argument is, or was assigned from, such a field fails the test.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from helpers import ROOT

# Fields of the package that hold free text written by people: the editors' statements,
# notes and bases, and the sources' quotes.
FREE_TEXT = {
    "correct_statement", "statement", "note", "notes", "quote", "quotes", "basis",
    "date_basis", "publisher_basis", "reliability_note", "url_note", "accessed_note",
    "licence_note", "description",
}  # fmt: skip
# re functions, and methods of a compiled pattern, that read a value out of a text. For
# each: the position of the text argument (re.f(pattern, text) / pattern.f(text)).
RE_TEXT_ARG = {"search": 1, "match": 1, "fullmatch": 1, "findall": 1, "finditer": 1, "split": 1,
               "sub": 2, "subn": 2}  # fmt: skip
# pandas string methods that apply a regex and return what it matched.
PANDAS_EXTRACT = {"extract", "extractall", "findall", "match", "fullmatch"}
# Regex uses on free text that rewrite it for display rather than take a value from it,
# as (file, function). None is needed today: references.name_sources, which rewrites
# source ids in the editors' notes for display, receives the note as a parameter named
# `text` and so is not flagged (the check follows names within a function, not calls
# between functions); were it flagged, it would be listed here.
ALLOWED: set[tuple[str, str]] = set()


def _is_free_text_name(identifier: str) -> bool:
    """'correct_statement', 'eu_statement', 'note': a name that holds a free-text field."""
    return identifier in FREE_TEXT or any(part in FREE_TEXT for part in identifier.split("_"))


def _mentions(node: ast.AST, tainted: set[str]) -> bool:
    """Whether an expression reads a free-text field: row['note'], row.quote, statement."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and (_is_free_text_name(sub.id) or sub.id in tainted):
            return True
        if isinstance(sub, ast.Attribute) and _is_free_text_name(sub.attr):
            return True
        if isinstance(sub, ast.Constant) and sub.value in FREE_TEXT:
            return True
    return False


def _compiled_names(trees) -> set[str]:
    """Names bound to re.compile(...) anywhere (NUMBER_TOKEN, CITED, _SPACE ...)."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _is_re_call(node.value, "compile"):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _is_re_call(node: ast.AST, name: str | None = None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
        and (name is None or node.func.attr == name)
    )


def _text_argument(call: ast.Call, compiled: set[str]) -> ast.AST | None:
    """The text a regex call reads, or None when the call applies no regex to a text."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    method, receiver = func.attr, func.value
    keyword = next((k.value for k in call.keywords if k.arg == "string"), None)
    if _is_re_call(call) and method in RE_TEXT_ARG:
        index = RE_TEXT_ARG[method]
        return call.args[index] if len(call.args) > index else keyword
    pattern = _is_re_call(receiver, "compile") or (
        isinstance(receiver, ast.Name | ast.Attribute)
        and (receiver.id if isinstance(receiver, ast.Name) else receiver.attr) in compiled
    )
    if pattern and method in RE_TEXT_ARG:
        index = RE_TEXT_ARG[method] - 1
        return call.args[index] if len(call.args) > index else keyword
    # frame["note"].str.extract(r"...")
    if method in PANDAS_EXTRACT and isinstance(receiver, ast.Attribute) and receiver.attr == "str":
        return receiver.value
    return None


def _scopes(tree: ast.AST):
    """The module and every function in it, each with the name it is reported under."""
    yield "<module>", tree
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield getattr(node, "name", "<lambda>"), node


def _tainted(scope: ast.AST) -> set[str]:
    """Names assigned, directly or through other names, from a free-text field."""
    assigns = [n for n in ast.walk(scope) if isinstance(n, ast.Assign | ast.AnnAssign)]
    tainted: set[str] = set()
    changed = True
    while changed:
        changed = False
        for node in assigns:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None or not _mentions(node.value, tainted):
                continue
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id not in tainted:
                        tainted.add(name.id)
                        changed = True
    return tainted


def offences(tree: ast.AST, where: str, compiled: set[str]) -> list[str]:
    found = {}  # by line, named after the innermost function (the module scope comes first)
    for scope_name, scope in _scopes(tree):
        tainted = _tainted(scope)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            text = _text_argument(node, compiled)
            if text is None or not _mentions(text, tainted):
                continue
            if (where, scope_name) in ALLOWED:
                continue
            found[node.lineno] = f"{where}:{node.lineno} in {scope_name}: {ast.unparse(node)[:120]}"
    return [found[line] for line in sorted(found)]


def _notebook_code(path: Path) -> str:
    """The code cells of a notebook as one module (IPython magics and shell lines left out)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = "".join(cell["source"])
            lines += [
                line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
            ]
    return "\n".join(lines)


def sources() -> dict[str, str]:
    files = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "scripts" / "chinaev").rglob("*.py"))
    }
    files |= {
        str(p.relative_to(ROOT)): _notebook_code(p) for p in sorted((ROOT / "book").glob("*.ipynb"))
    }
    return files


def scan(files: dict[str, str]) -> list[str]:
    trees = {where: ast.parse(text) for where, text in files.items()}
    compiled = _compiled_names(trees.values())
    return [o for where, tree in trees.items() for o in offences(tree, where, compiled)]


def test_no_regex_takes_a_value_from_free_text():
    files = sources()
    assert any(w.endswith(".ipynb") for w in files) and len(files) > 20
    found = scan(files)
    assert not found, "a regex reads a value out of free text:\n" + "\n".join(found)


def test_the_check_catches_the_old_ways():
    """What the western-responses chapter used to do, and variants, are caught; display
    rewrites of other text and regexes over the check's own arguments are not."""
    caught = {
        "register": 'statement = corrections.loc[c, "correct_statement"]\n'
        'found = re.search(r"of (?P<value>[0-9.]+) percent", statement)\n',
        "chained": 'v = re.compile(r"[0-9.]+").search(row["note"]).group(0)\n',
        "constant": 'NUMBER = re.compile(r"[0-9.]+")\nx = NUMBER.findall(fix.basis)\n',
        "keyword": 'x = re.findall(r"[0-9.]+", string=quotes[0])\n',
        "pandas": 'x = frame["correct_statement"].str.extract(r"(?P<v>[0-9.]+)")\n',
        "footprint": 'n = re.sub(r"\\s*\\([^)]*\\)", "", footprint.loc[f, "note"])\n',
    }
    for name, code in caught.items():
        assert scan({name: code}), name
    fine = {
        "titles": 'x = re.sub(r"^[^0-9A-Za-z]+", "", lead)\n',
        "tokens": 'T = re.compile(r"\\d+")\nx = T.finditer(paragraph)\n',
        "split": 'before, rest = note.split(" (", 1)\n',
    }
    for name, code in fine.items():
        assert not scan({name: code}), name
