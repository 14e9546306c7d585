"""docs/architecture.md stays the map of the code: every module is in its module map, and the source cites
it rather than a design note that lives outside the repository."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "nnstudio"


def test_every_module_is_on_the_map():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert len(modules) > 50
    missing = [str(p.relative_to(PACKAGE)) for p in modules if f"`{p.name}`" not in doc]
    assert not missing, f"modules missing from docs/architecture.md's module map: {missing}"


def test_the_source_cites_no_design_note_outside_the_repository():
    citing = [str(p.relative_to(ROOT)) for folder in ("src", "tests", "benchmarks", "examples")
              for p in (ROOT / folder).rglob("*.py") if "DESIGN" in p.read_text(encoding="utf-8")
              and p.name != "test_architecture_doc.py"]
    assert not citing, f"cite docs/architecture.md instead of DESIGN.md: {citing}"
