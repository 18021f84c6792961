"""The engine is a library: nothing under app/engine imports the application around it."""
import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "app" / "engine"


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_the_engine_imports_nothing_from_the_app():
    offending = [f"{path.name}:{line} imports {module}"
                 for path in sorted(ENGINE.glob("*.py"))
                 for line, module in _imports(path)
                 if module == "app" or (module.startswith("app.") and not module.startswith("app.engine"))]
    assert offending == []


def test_the_scan_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from app.jobs import enqueue\n", encoding="utf-8")
    assert _imports(sample) == [(2, "app.jobs")]
