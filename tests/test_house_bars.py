"""The bars of the house (issue 14): no module in src/ over ~450 lines, no function body over
80 lines. Run as a script (``python tests/test_house_bars.py``) it lists what is over."""

from __future__ import annotations

import ast
from pathlib import Path

MODULE_LINES = 450
BODY_LINES = 80
SRC = Path(__file__).resolve().parents[1] / "src" / "flowsim"

def _body_lines(fn: ast.AST) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = fn.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return fn.end_lineno - body[0].lineno + 1


def over_the_bars(src: Path = SRC) -> list[str]:
    """Every module over MODULE_LINES and function over BODY_LINES (no module is exempt)."""
    out = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).as_posix()
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        if n > MODULE_LINES:
            out.append(f"{rel}: {n} lines (bar {MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _body_lines(node) > BODY_LINES:
                out.append(f"{rel}:{node.lineno}: {node.name} has a body of {_body_lines(node)} lines "
                           f"(bar {BODY_LINES})")
    return out


def test_no_module_or_function_over_the_bars():
    assert over_the_bars() == []


def test_the_checker_sees_a_long_function_and_module(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(BODY_LINES + 1))
    (tmp_path / "long.py").write_text(f'def f():\n    """doc"""\n{body}\n' + "\n" * MODULE_LINES)
    found = over_the_bars(tmp_path)
    assert len(found) == 2 and "f has a body of 81 lines" in found[1]


if __name__ == "__main__":
    print("\n".join(over_the_bars()) or "nothing over the bars")
