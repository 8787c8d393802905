"""The import stays on django-import-export's public API (issue #18): no private hooks.

The source of ``agreements/backoffice/imports/`` and ``agreements/backoffice/resources.py`` is scanned
(``ast``) for
underscore names used on the library: imports from its private modules or of its private names,
attribute accesses of underscore names on ``self``/``cls``/``super()`` inside a class built on one of
its classes (or mixed into one), and on names bound to the library or holding its objects. A new
private hook fails here with the file and line. The table in ``agreements/backoffice/imports/__init__.py``
must name every library method the import overrides.
"""

import ast
import importlib
import inspect
import textwrap
from pathlib import Path

import agreements.backoffice.imports
import agreements.backoffice.resources

# Found from the packages themselves, so the test follows them if they move.
IMPORTS = Path(agreements.backoffice.imports.__file__).resolve().parent
SOURCES = [*sorted(IMPORTS.glob("*.py")), Path(agreements.backoffice.resources.__file__).resolve()]
ROOT = IMPORTS.parents[2]
IMPORTS_PACKAGE = agreements.backoffice.imports.__name__
MODULES = [
    *(
        f"{agreements.backoffice.imports.__name__}.{path.stem}"
        for path in SOURCES[:-1]
        if path.stem != "__init__"
    ),
    agreements.backoffice.resources.__name__,
]
LIBRARY = "import_export"
#: Names that hold the library's objects in the import's code (its resource, results, loader).
LIBRARY_OBJECT_NAMES = {"resource", "result", "row_result", "instance_loader", "loader", "error_row"}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def parse(sources: dict[str, str]) -> dict[str, ast.Module]:
    return {name: ast.parse(text, filename=name) for name, text in sources.items()}


def library_names(tree: ast.Module) -> set[str]:
    """Local names bound to the library's modules and objects by the module's imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {
                (a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == LIBRARY
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == LIBRARY:
            names |= {a.asname or a.name for a in node.names}
    return names


def root_name(node) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def library_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Classes built on the library's classes, directly or through each other (across the modules),
    and the mixins combined with them."""
    classes = {}
    for tree in trees.values():
        bound = library_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = ({root_name(base) for base in node.bases}, bound)
    derived: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, (bases, bound) in classes.items():
            if name not in derived and bases & (bound | derived):
                derived.add(name)
                changed = True
            if bases & derived:  # a mixin combined with a library class is one too
                for mixin in bases - derived:
                    if mixin in classes:
                        derived.add(mixin)
                        changed = True
    return derived


def import_findings(tree: ast.Module, where) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == LIBRARY and any(map(private, parts)):
                    found.append(f"{where(node)}: import of the private module {alias.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == LIBRARY:
            if any(map(private, node.module.split("."))):
                found.append(f"{where(node)}: import from the private module {node.module}")
            found += [
                f"{where(node)}: import of the private name {node.module}.{a.name}"
                for a in node.names
                if private(a.name)
            ]
    return found


def receiver_is_library(node: ast.Attribute, bound: set[str], in_library_class: bool) -> bool:
    value = node.value
    if in_library_class and isinstance(value, ast.Name) and value.id in {"self", "cls"}:
        return True
    if in_library_class and isinstance(value, ast.Call) and root_name(value) == "super":
        return True
    return root_name(value) in bound | LIBRARY_OBJECT_NAMES


def class_findings(tree: ast.Module, derived: set[str], bound: set[str], where) -> list[str]:
    found = []

    def visit(node, in_library_class):
        if isinstance(node, ast.ClassDef):
            in_library_class = node.name in derived
        if (
            in_library_class
            and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and private(node.name)
        ):
            found.append(f"{where(node)}: method {node.name} defined on a django-import-export class")
        if (
            isinstance(node, ast.Attribute)
            and private(node.attr)
            and receiver_is_library(node, bound, in_library_class)
        ):
            found.append(f"{where(node)}: private attribute {ast.unparse(node)}")
        for child in ast.iter_child_nodes(node):
            visit(child, in_library_class)

    visit(tree, False)
    return found


def private_uses(sources: dict[str, str]) -> list[str]:
    """Every use of a private django-import-export name in ``sources`` (file name → source text)."""
    trees = parse(sources)
    derived = library_classes(trees)
    found = []
    for name, tree in trees.items():

        def where(node, name=name):
            return f"{name}:{node.lineno}"

        found += import_findings(tree, where)
        found += class_findings(tree, derived, library_names(tree), where)
    return found


def test_it_finds_no_private_django_import_export_names_in_the_import():
    sources = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in SOURCES}
    found = private_uses(sources)
    assert not found, (
        "Private django-import-export names (use the public API or own the code):\n" + "\n".join(found)
    )


SAMPLE = """
from import_export import resources
from import_export._version import __version__
from import_export.results import _Secret
import import_export._private


class Base(resources.ModelResource):
    def _check_import_id_fields(self, headers):
        pass

    def before_import(self, dataset, **kwargs):
        model = self._meta.model
        if self._is_dry_run(kwargs):
            return resources.Resource._select_field


class Mixin:
    def read(self):
        return self._meta


class Agreement(Mixin, Base):
    def after_import(self, dataset, result, **kwargs):
        super()._is_using_transactions(kwargs)
        result._hidden.append(1)
"""


def test_it_catches_private_hooks_and_names_in_a_sample():
    found = private_uses({"sample.py": SAMPLE})
    text = "\n".join(found)
    for expected in (
        "import from the private module import_export._version",
        "import of the private name import_export.results._Secret",
        "import of the private module import_export._private",
        "method _check_import_id_fields defined",
        "self._meta",
        "self._is_dry_run",
        "resources.Resource._select_field",
        "super()._is_using_transactions",
        "result._hidden",
    ):
        assert expected in text, (expected, found)
    assert "sample.py:20: private attribute self._meta" in text  # in the mixin


def test_it_lets_django_model_meta_and_the_imports_own_helpers_pass():
    sample = """
from import_export import resources

class References:
    def _load(self):
        return self._cache

class Resource(resources.ModelResource):
    def header(self, model, instance):
        instance._import_relations = {}
        return model._meta.get_field("slug"), References()._load()
"""
    assert private_uses({"sample.py": sample}) == []


def written_names(cls) -> set[str]:
    """The methods and attributes a class's own body defines (not what a metaclass adds)."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
    names = {node.name for node in body if isinstance(node, ast.FunctionDef)}
    for node in body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return names


def library_overrides():
    """``(class, name)`` for each method or attribute of the import that overrides the library's."""
    for module in map(importlib.import_module, MODULES):
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            library = [base for base in cls.__mro__ if base.__module__.split(".")[0] == LIBRARY]
            for name in written_names(cls):
                if any(name in vars(base) for base in library):
                    yield cls, name


def test_it_overrides_only_public_library_methods_and_lists_them_in_the_table():
    overrides = sorted({name for _, name in library_overrides()})
    assert overrides, "the scan found no overrides at all: it is broken"
    assert [name for name in overrides if private(name)] == []
    table = agreements.backoffice.imports.__doc__
    missing = [name for name in overrides if f"``{name}``" not in table]
    assert missing == [], f"add these to the table in agreements/backoffice/imports/__init__.py: {missing}"
