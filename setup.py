"""Build step of the package: compile the translation catalogues (.po) into .mo files.

Everything else about the package is declared in pyproject.toml. The .mo files are not kept in
git; a wheel gets them from here, so that an installed package speaks Vietnamese.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("feedback") / "translations"


class BuildWithCatalogues(build_py):
    """build_py, then every feedback/translations/<lang>/LC_MESSAGES/*.po compiled beside it."""

    def run(self):
        super().run()
        for source, target in self._catalogues():
            self._compile(source, target)

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode), *(str(target) for _source, target in self._catalogues())]

    def _catalogues(self):
        # An editable install reads the package from the source tree: compile there.
        root = Path(".") if self.editable_mode else Path(self.build_lib)
        return [(po, root / po.with_suffix(".mo")) for po in sorted(CATALOGUES.glob("*/LC_MESSAGES/*.po"))]

    def _compile(self, source: Path, target: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with source.open("rb") as file:
            catalogue = read_po(file, locale=source.parts[-3], abort_invalid=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as file:
            write_mo(file, catalogue, use_fuzzy=False)
        self.announce(f"compiled {source} -> {target}", level=2)


setup(cmdclass={"build_py": BuildWithCatalogues})
