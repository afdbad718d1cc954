"""Starting the desktop app: the QApplication, the main window, and ``faceapp gui``'s options."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import cv2
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from faceapp import logs
from faceapp.config import Paths, Settings
from faceapp.errors import FaceAppError
from faceapp.store.backup import apply_pending_restore
from faceapp.ui import add_gui_arguments
from faceapp.ui.assembly import attach_admin
from faceapp.ui.dialogs.crash import CrashReporter
from faceapp.ui.fonts import register_bundled_fonts
from faceapp.ui.i18n import install_language
from faceapp.ui.main_window import APP_NAME, MainWindow, app_icon
from faceapp.ui.pages.doors import attach_doors
from faceapp.ui.services import LiveOptions, Services

log = logging.getLogger(__name__)

DEFAULT_SCREENSHOT_DELAY_S = 5.0


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The process's QApplication (created once; reused when it exists, e.g. under pytest-qt)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        register_bundled_fonts(app)
        return app
    app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    register_bundled_fonts(app)  # Chinese texts on machines without CJK fonts
    return app


def schedule_quit(window: MainWindow, seconds: float, screenshot: Path | None = None,
                  subject: QWidget | None = None) -> QTimer:
    """After ``seconds``, save a picture of ``subject`` (default ``window``) to ``screenshot`` and close."""

    def finish() -> None:
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if (subject or window).grab().save(str(screenshot)):
                print(f"faceapp: screenshot saved to {screenshot}", file=sys.stderr)  # asked for: always confirmed
            else:
                log.error("could not save the screenshot to %s", screenshot)
        window.close()
        QApplication.quit()

    timer = QTimer(window)
    timer.setSingleShot(True)
    timer.timeout.connect(finish)
    timer.start(int(seconds * 1000))
    return timer


def run_from_args(args: argparse.Namespace) -> int:
    """Open the window for parsed ``faceapp gui`` arguments and run until it closes.

    Raises:
        FaceAppError: settings or models cannot be loaded.
    """
    app = create_application()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # camera probing is noisy; we explain
    basedir = getattr(args, "basedir", None)
    paths = Paths.resolve(basedir)
    startup = Settings.load(paths.settings_file)
    apply_pending_restore(paths.with_data_dir(startup.data_dir).data)  # before the database opens
    translations = install_language(app, startup.language)  # before any widget is built
    services = Services.create(basedir)
    reporter: CrashReporter | None = None
    try:
        services.live = LiveOptions(seconds_per_image=args.seconds_per_image)
        window = MainWindow(services)
        reporter = CrashReporter(window)  # uncaught errors: logged, then shown with the end of the log
        parts = attach_admin(window, services, app)
        attach_doors(window, services)
        window.show()
        window.open_source(args.source if args.source else services.settings.camera_source)
        subject = show_start_page(window, getattr(args, "page", "live"))
        quit_after = args.quit_after
        if quit_after is None and args.screenshot is not None:
            quit_after = DEFAULT_SCREENSHOT_DELAY_S
        if quit_after is not None:
            schedule_quit(window, quit_after, args.screenshot, subject)
        code = int(app.exec())
        parts.attendance.shutdown()
        return code
    finally:
        if reporter is not None:
            reporter.close()
        del translations
        services.close()


def show_start_page(window: MainWindow, page: str) -> QWidget:
    """Show the ``--page`` asked for; returns the widget a screenshot should picture."""
    if page == "people":
        window.show_page(window.stack.indexOf(window.people))
    return window


def build_parser() -> argparse.ArgumentParser:
    """Options of ``python -m faceapp.ui.app`` (the same as ``faceapp gui``)."""
    parser = argparse.ArgumentParser(prog="faceapp-gui", description="The faceapp desktop app.")
    parser.add_argument("--basedir", type=Path, help="data folder (default: platform folders or $FACEAPP_HOME)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to the console")
    add_gui_arguments(parser)
    return parser


def run_gui(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse ``argv``, set up logging (console, private log file, crash hooks), run the app."""
    args = build_parser().parse_args(argv)
    logs.setup(args.basedir, verbose=args.verbose)
    try:
        return run_from_args(args)
    except FaceAppError as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(run_gui())
