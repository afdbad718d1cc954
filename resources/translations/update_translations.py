"""Extract the GUI's translatable texts into the .ts files and compile them to .qm.

Run from the repository root after changing texts in ``faceapp/ui``::

    python resources/translations/update_translations.py          # update .ts, compile .qm
    python resources/translations/update_translations.py --check  # also fail on untranslated texts

Why not only ``pyside6-lupdate``: the GUI also translates through small module wrappers
(``def _tr(text): return QCoreApplication.translate("LivePage", text)``) and passes constants to
them (``_tr(_OPEN_HINT)``), which lupdate does not follow. This scanner understands

* ``self.tr("text")`` / ``cls.tr("text")``: the context is the enclosing class's name;
* ``QCoreApplication.translate("Context", "text")`` and ``QT_TRANSLATE_NOOP("Context", "text")``;
* calls of a module-level wrapper whose body returns ``QCoreApplication.translate(<ctx>, <arg>)``
  with a literal (or module-constant) context, given a literal or a module-level string constant;
* :data:`EXTRA` for texts that reach a wrapper through data (``_tr(step.instruction)``).

Translations already in a .ts file are kept (matched by context and text, else by text alone);
new texts are marked unfinished; texts no longer in the code are dropped.
"""

from __future__ import annotations

import argparse
import ast
import logging
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("update_translations")

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "faceapp" / "ui"
HERE = Path(__file__).resolve().parent
LANGUAGES = ("zh_CN",)

#: (context, text) pairs that reach a translation wrapper through data, not as literals.
EXTRA: tuple[tuple[str, str], ...] = (
    ("CapturePanel", "Look straight at the camera"),
    ("CapturePanel", "Turn a little to your left"),
    ("CapturePanel", "Turn a little to your right"),
)


@dataclass(frozen=True)
class Message:
    """One translatable text and where it was found."""

    context: str
    source: str
    filename: str = ""
    line: int = 0


class _Scanner(ast.NodeVisitor):
    """Collects the translatable texts of one module."""

    def __init__(self, tree: ast.Module, filename: str) -> None:
        self.filename = filename
        self.constants = _module_constants(tree)
        self.wrappers = _wrappers(tree, self.constants)
        self.classes: list[str] = []
        self.class_constants: list[dict[str, str]] = []
        self.found: list[Message] = []
        self.unresolved: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.class_constants.append(_module_constants(node))
        self.generic_visit(node)
        self.class_constants.pop()
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "tr" and isinstance(func, ast.Attribute) and self.classes and node.args:
            self._add(self.classes[-1], node.args[0], node)
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2:
            context = self._text(node.args[0])
            if context is not None:
                self._add(context, node.args[1], node)
        elif isinstance(func, ast.Name) and name in self.wrappers and node.args:
            self._add(self.wrappers[name], node.args[0], node)
        self.generic_visit(node)

    def _add(self, context: str, arg: ast.expr, node: ast.Call) -> None:
        text = self._text(arg)
        if text is None:
            if not (isinstance(arg, ast.Name) and arg.id == "text"):  # the wrapper's own parameter
                self.unresolved.append(f"{self.filename}:{node.lineno}: {ast.unparse(arg)}")
            return
        self.found.append(Message(context, text, self.filename, node.lineno))

    def _text(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls") and self.class_constants):
            return self.class_constants[-1].get(node.attr)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._text(node.left), self._text(node.right)
            return left + right if left is not None and right is not None else None
        return None


def _module_constants(tree: ast.Module | ast.ClassDef) -> dict[str, str]:
    """Module- (or class-) level ``NAME = "text"`` assignments."""
    constants: dict[str, str] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
            node.target if isinstance(node, ast.AnnAssign) else None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str):
            constants[target.id] = value.value
    return constants


def _wrappers(tree: ast.Module, constants: dict[str, str]) -> dict[str, str]:
    """Module functions ``f(text)`` that return ``QCoreApplication.translate(<ctx>, text)``: name -> ctx."""
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.body:
            continue
        last = node.body[-1]
        call = last.value if isinstance(last, ast.Return) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "translate"
                and len(call.args) >= 2):
            ctx = call.args[0]
            if isinstance(ctx, ast.Constant) and isinstance(ctx.value, str):
                found[node.name] = ctx.value
            elif isinstance(ctx, ast.Name) and ctx.id in constants:
                found[node.name] = constants[ctx.id]
    return found


def scan(sources: Path = SOURCES) -> tuple[list[Message], list[str]]:
    """All translatable texts below ``sources`` (first occurrence of each), and unresolved calls."""
    seen: dict[tuple[str, str], Message] = {}
    unresolved: list[str] = []
    for path in sorted(sources.rglob("*.py")):
        relative = Path("..", "..", path.relative_to(ROOT)).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scanner = _Scanner(tree, relative)
        scanner.visit(tree)
        for message in scanner.found:
            seen.setdefault((message.context, message.source), message)
        unresolved += scanner.unresolved
    for context, text in EXTRA:
        seen.setdefault((context, text), Message(context, text))
    return sorted(seen.values(), key=lambda m: (m.context, m.filename, m.line, m.source)), unresolved


def read_ts(path: Path) -> dict[tuple[str, str], str]:
    """Translations of a .ts file, current and vanished: (context, source) -> translation."""
    if not path.exists():
        return {}
    done = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is not None and translation.text and translation.get("type") != "unfinished":
                done[(name, message.findtext("source", ""))] = translation.text
    return done


def write_ts(path: Path, language: str, messages: list[Message], known: dict[tuple[str, str], str]) -> int:
    """Write the .ts file; the number of texts still untranslated.

    Known translations whose text is no longer in the code are kept as ``type="vanished"`` (which
    lrelease skips), so that a text moved or restored later gets its translation back.
    """
    by_text = {source: text for (_, source), text in known.items()}
    root = ET.Element("TS", version="2.1", language=language, sourcelanguage="en")
    missing, contexts = 0, {}
    current = {(m.context, m.source) for m in messages}
    vanished = [Message(c, s) for (c, s) in sorted(known) if (c, s) not in current]
    for message in [*messages, *vanished]:
        if message.context not in contexts:
            contexts[message.context] = ET.SubElement(root, "context")
            ET.SubElement(contexts[message.context], "name").text = message.context
        element = ET.SubElement(contexts[message.context], "message")
        if message.filename:
            ET.SubElement(element, "location", filename=message.filename, line=str(message.line))
        ET.SubElement(element, "source").text = message.source
        text = known.get((message.context, message.source)) or by_text.get(message.source)
        translation = ET.SubElement(element, "translation")
        if (message.context, message.source) not in current:
            translation.set("type", "vanished")
        if text:
            translation.text = text
        else:
            translation.set("type", "unfinished")
            missing += 1
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', encoding="utf-8")
    return missing


def compile_qm(ts: Path) -> Path:
    """Compile a .ts file with ``pyside6-lrelease`` (next to the Python running this script)."""
    qm = ts.with_suffix(".qm")
    tool = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or shutil.which("pyside6-lrelease")
    if tool is None:
        raise SystemExit("pyside6-lrelease not found: install PySide6-Essentials")
    subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def main(argv: list[str] | None = None) -> int:
    """Update every language's .ts and .qm; non-zero with ``--check`` when texts are untranslated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a text has no translation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    messages, unresolved = scan()
    for where in unresolved:
        log.warning("not extracted (not a literal or constant; make sure EXTRA lists its texts): %s", where)
    status = 0
    for language in LANGUAGES:
        ts = HERE / f"faceapp_{language}.ts"
        missing = write_ts(ts, language, messages, read_ts(ts))
        compile_qm(ts)
        log.info("%s: %d texts, %d untranslated", ts.name, len(messages), missing)
        status |= int(args.check and missing > 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
