"""Interface language: installs faceapp's and Qt's own translations for the chosen language.

The translations are ``resources/translations/faceapp_<code>.qm`` (compiled from the ``.ts``
source by ``pyside6-lrelease``; see ``resources/translations/README.md``). English is the source
language and needs no file. Install the language before building any window: widgets translate
their texts when they are created, so a change of language takes effect at the next start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from faceapp.bundled import resource
from faceapp.config import LANGUAGES

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
_PREFIX = "faceapp_"


def translation_file(language: str) -> Path:
    """The compiled translation of faceapp's texts for ``language`` (e.g. ``"zh_CN"``)."""
    return resource("translations", f"{_PREFIX}{language}.qm")


class Translations:
    """The translators installed in one application; :meth:`set_language` swaps them.

    Args:
        app: the application to install the translators in.
    """

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self.language = SOURCE_LANGUAGE
        self._installed: list[QTranslator] = []

    def set_language(self, language: str) -> bool:
        """Use ``language`` (a key of :data:`faceapp.config.LANGUAGES`); False if its file is missing.

        English (or an unknown code, logged) removes all translations.
        """
        self.clear()
        if language not in LANGUAGES:
            log.warning("unknown interface language %r; using English", language)
            return False
        if language == SOURCE_LANGUAGE:
            return True
        ours = QTranslator(self.app)
        path = translation_file(language)
        if not ours.load(str(path)):
            log.warning("translation %s is missing or damaged; the interface stays in English", path)
            return False
        self._install(ours)
        self._install_qt_own(language)
        self.language = language
        QLocale.setDefault(QLocale(language))
        log.info("interface language: %s", LANGUAGES[language])
        return True

    def clear(self) -> None:
        """Remove every translator installed by this object (back to English)."""
        for translator in self._installed:
            self.app.removeTranslator(translator)
        self._installed.clear()
        self.language = SOURCE_LANGUAGE

    def _install(self, translator: QTranslator) -> None:
        self.app.installTranslator(translator)
        self._installed.append(translator)

    def _install_qt_own(self, language: str) -> None:
        """Qt's translations of its standard texts (OK, Cancel, file dialogs), when available."""
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(self.app)
        if translator.load(f"qtbase_{language}", folder):
            self._install(translator)
        else:
            log.info("Qt's own %s translation not found in %s", language, folder)


def install_language(app: QCoreApplication, language: str) -> Translations:
    """Install ``language`` in ``app``; keep the result alive as long as the app runs."""
    translations = Translations(app)
    translations.set_language(language)
    return translations
