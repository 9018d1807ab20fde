"""The package's modules keep to their layers: no module reads another's private names.

Read off the source with ``ast``, so that the rules of CONTRIBUTING.md ("Layers
and import rules") hold for every module, including those written later.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklstm"
MODULES = sorted(PACKAGE.glob("*.py"))

# scikit-learn's protocol attribute: every estimator declares it, and
# scikit-learn (and a subclass, or a check of a few parameters) reads it.
PROTOCOL_NAMES = {"_parameter_constraints"}
# The functions that read or write an attribute by its name.
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def _is_private(name):
    return name.startswith("_") and not name.startswith("__")


def _tree(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _own_instance(node, own_names):
    """Whether ``node`` is the module's own object: ``self``, ``cls``, a class of the
    module, ``super()``, ``type(self)``, or a new instance ``cls(...)`` / ``Class(...)``."""
    if isinstance(node, ast.Name):
        return node.id in own_names
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "super":
            return True
        if node.func.id == "type":
            return len(node.args) == 1 and _own_instance(node.args[0], {"self", "cls"})
        return node.func.id in own_names
    return False


def private_uses(path):
    """(line, text) of every underscore name that ``path`` takes from another module or
    object than its own: ``from ._x import _name``, ``other._name`` where ``other`` is
    not ``self``, ``cls`` or a class of the module, and ``getattr(other, "_name")``."""
    tree = _tree(path)
    own_names = {"self", "cls"} | {
        node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.level >= 1 or (node.module or "").split(".")[0] == "sklstm"
        ):
            # Importing a private module (``from . import _module``) is the
            # module's public face; its private names are not.
            importing_modules = node.module is None
            for alias in node.names:
                if _is_private(alias.name) and not importing_modules:
                    module = "." * node.level + (node.module or "")
                    found.append((node.lineno, f"from {module} import {alias.name}"))
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            if node.attr in PROTOCOL_NAMES or _own_instance(node.value, own_names):
                continue
            found.append((node.lineno, ast.unparse(node)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _is_private(node.args[1].value)
            and node.args[1].value not in PROTOCOL_NAMES
            and not _own_instance(node.args[0], own_names)
        ):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def imports(path):
    """``(sklstm modules, other modules)`` that ``path`` imports, anywhere in it.

    sklstm modules by file name (``"_module"``, ``"__init__"``); others by their
    full dotted name (``"sklearn.utils._param_validation"``), a ``from`` import
    also by each name it takes (``"sklearn.base._fit_context"``).
    """
    own, other = set(), set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sklstm":
                    own.add(alias.name.split(".")[1] if "." in alias.name else "__init__")
                else:
                    other.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.split(".")[0] != "sklstm":
                other.add(module)
                other.update(f"{module}.{alias.name}" for alias in node.names)
                continue
            inside = module.split(".", 1)[1] if node.level == 0 and "." in module else module
            if node.level == 0 and inside == "sklstm":
                inside = ""
            if inside:
                own.add(inside.split(".")[0])
            else:  # from . import _module, __version__
                own.add("__init__")
                own.update(
                    alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists()
                )
    return own, other


def reachable_imports(name):
    """The other modules that importing ``sklstm/<name>.py`` may import, through any
    sklstm module it imports (and those they import)."""
    seen, pending, other = set(), [name], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        own, outside = imports(PACKAGE / f"{current}.py")
        other |= outside
        pending.extend(own - seen)
    return other


def _top_packages(modules):
    return {module.split(".")[0] for module in modules}


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_no_module_reads_another_modules_private_names(path):
    assert private_uses(path) == []


def test_the_private_name_check_finds_what_it_forbids(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "from ._tokenizer import _lengths\n"
        "from . import _module, __version__\n"
        "class Model:\n"
        "    def fit(self, other):\n"
        "        self._x = other._y\n"
        "        super()._z()\n"
        "        getattr(other, '_w', None)\n"
        "        return Model()._v, type(self)._u, type(other)._t, other._parameter_constraints\n"
    )
    assert [text for _, text in private_uses(module)] == [
        "from ._tokenizer import _lengths",
        "other._y",
        "getattr(other, '_w', None)",
        "type(other)._t",
    ]


def test_onnx_imports_no_torch_directly_or_through_its_sklstm_imports():
    reached = _top_packages(reachable_imports("onnx"))
    assert not reached & {"torch", "skorch"}
    assert "numpy" in reached  # the walk does read the imports


@pytest.mark.parametrize("name", ["_module", "_ids"])
def test_the_network_and_the_ids_import_no_scikit_learn(name):
    assert "sklearn" not in _top_packages(reachable_imports(name))


def test_the_ids_module_imports_numpy_only():
    own, other = imports(PACKAGE / "_ids.py")
    assert own == set() and _top_packages(other) == {"numpy"}


def test_only_validation_names_scikit_learns_private_api():
    private = {
        path.name: sorted(
            name
            for name in imports(path)[1]
            if name.split(".")[0] == "sklearn" and any(map(_is_private, name.split(".")))
        )
        for path in MODULES
    }
    # Any other module that names it shows up here, with the names.
    others = {name: names for name, names in private.items() if name != "_validation.py"}
    assert {name: names for name, names in others.items() if names} == {}
    assert private["_validation.py"]  # the check does see private names
