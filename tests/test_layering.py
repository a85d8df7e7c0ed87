"""The dependency direction, checked on the source: core <- leads <- followups <- delivery <- reports, dcc beside
delivery (it may use core, leads and followups), nothing imports reports, the core imports no app.

Python: every import statement (module level or inside a function) of every app module, migrations excluded
(they name other apps' migrations by design). Templates: every `{% url 'app:name' %}` in templates/<app>/ names
its own app or a lower one. The templates at the top of templates/ (base.html, includes/, errors/, registration/)
are the project's frame, like dealer_crm/urls.py: the navigation names every app, so they are not checked.
A lower page that must offer a higher app's action takes it from a registry (leads/actions.py, followups/today.py).
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each app and the apps it may import (itself included); reports is the top, dcc a branch above followups.
MAY_USE = {
    "core": {"core"},
    "leads": {"core", "leads"},
    "followups": {"core", "leads", "followups"},
    "delivery": {"core", "leads", "followups", "delivery"},
    "dcc": {"core", "leads", "followups", "dcc"},
    "reports": {"core", "leads", "followups", "delivery", "dcc", "reports"},
}
APP_DIRS = {"core": ROOT / "dealer_crm" / "core", **{app: ROOT / app for app in MAY_USE if app != "core"}}
URL_NAME = re.compile(r"""{%\s*url\s+["'](\w+):""")


def app_of(module: str) -> str | None:
    """The app a dotted module name belongs to, or None for Django, libraries and the project's wiring."""
    if module == "dealer_crm.core" or module.startswith("dealer_crm.core."):
        return "core"
    top = module.split(".")[0]
    return top if top in MAY_USE and top != "core" else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative imports resolved against its package."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.append((node.lineno, module))
    return found


def test_python_imports_follow_the_layers():
    violations = []
    for app, directory in APP_DIRS.items():
        for path in sorted(directory.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, module in imported_modules(path):
                target = app_of(module)
                if target is not None and target not in MAY_USE[app]:
                    violations.append(f"{path.relative_to(ROOT)}:{line}: {app} imports {module}")
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_templates_name_only_their_own_or_lower_apps_urls():
    violations = []
    for app in MAY_USE:
        for path in sorted((ROOT / "templates" / app).rglob("*.html")):
            for number, text in enumerate(path.read_text().splitlines(), start=1):
                for named in URL_NAME.findall(text):
                    target = "core" if named not in MAY_USE else named
                    if target not in MAY_USE[app]:
                        violations.append(f"{path.relative_to(ROOT)}:{number}: {app} names {named}:")
    assert not violations, "URL names against the layers:\n" + "\n".join(violations)


def test_the_checks_see_the_code():
    """Guards the two tests above against passing on nothing (a moved directory, a changed tag syntax)."""
    assert any(app_of(module) == "leads" for _, module in imported_modules(ROOT / "delivery" / "services.py"))
    contract_button = ROOT / "templates" / "delivery" / "includes" / "lead_contract_action.html"
    assert URL_NAME.findall(contract_button.read_text()) == ["delivery"]
