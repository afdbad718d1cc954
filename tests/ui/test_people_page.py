"""The People page: its model, search, sorting, edit, (de)activate, delete and the admin gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from faceapp.records import Person
from faceapp.ui.main_window import MainWindow
from faceapp.ui.pages.people import PeoplePage, PersonDialog
from faceapp.ui.qtmodels import SORT_ROLE, PeopleModel
from faceapp.ui.services import Services


@pytest.fixture()
def people(services: Services, lfw_dir: Path) -> dict[str, Person]:
    """Two people with two photos each, and one without any."""
    gallery, enroller = services.core.gallery, services.enroller()
    made = {}
    for folder, number, department in (("Abel_Pacheco", "E-1", "Sales"), ("Clare_Short", "E-2", "Politics")):
        person = gallery.add_person(folder.replace("_", " "), employee_no=number, department=department)
        for n in (1, 2):
            enroller.enrol_photo(person.id, lfw_dir / "images" / folder / f"{folder}_000{n}.jpg", largest=True)
        made[folder] = person
    made["nobody"] = gallery.add_person("Zed Nophoto")
    return made


@pytest.fixture()
def page(qtbot, services: Services, people: dict[str, Person]) -> PeoplePage:
    opened: list[int | None] = []
    made = PeoplePage(services, opened.append)
    made.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(made)
    made.show()
    return made


def _names(page: PeoplePage) -> list[str]:
    return [page.proxy.index(r, PeopleModel.NAME).data() for r in range(page.proxy.rowCount())]


@pytest.mark.realdata
def test_people_model_rows(qtmodeltester, page: PeoplePage, people: dict[str, Person]) -> None:
    qtmodeltester.check(page.model, force_py=True)
    qtmodeltester.check(page.proxy, force_py=True)
    model = page.model
    assert _names(page) == ["Abel Pacheco", "Clare Short", "Zed Nophoto"]
    row = model.row_of(people["Abel_Pacheco"].id)
    assert [model.index(row, c).data() for c in range(1, 7)] == ["Abel Pacheco", "E-1", "Sales", "2", "—", "yes"]
    assert model.index(row, PeopleModel.CHIP).data(Qt.ItemDataRole.DecorationRole) is not None
    nobody = model.row_of(people["nobody"].id)
    assert model.index(nobody, PeopleModel.CHIP).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.index(nobody, PeopleModel.TEMPLATES).data(SORT_ROLE) == 0
    assert model.headerData(PeopleModel.TEMPLATES, Qt.Orientation.Horizontal) == "Photos"


@pytest.mark.realdata
def test_search_and_sort(page: PeoplePage) -> None:
    page.search.setText("polit")
    assert _names(page) == ["Clare Short"]
    page.search.setText("")
    page.table.sortByColumn(PeopleModel.TEMPLATES, Qt.SortOrder.AscendingOrder)
    assert _names(page)[0] == "Zed Nophoto"
    page.table.sortByColumn(PeopleModel.NAME, Qt.SortOrder.DescendingOrder)
    assert _names(page) == ["Zed Nophoto", "Clare Short", "Abel Pacheco"]


@pytest.mark.realdata
def test_edit_persists(page: PeoplePage, services: Services, people: dict[str, Person],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    person = people["Clare_Short"]
    page.select_person(person.id)

    def edit(dialog: PersonDialog) -> int:
        dialog.name.setText("Clare Short-Long")
        dialog.department.setText("Cabinet")
        dialog.job_title.setText("Minister")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PersonDialog, "exec", edit)
    services.actor = lambda: "boss"
    page.edit_button.click()
    stored = services.core.gallery.people.get(person.id)
    latest = services.core.gallery.audit.entries(person_id=person.id)[0]
    assert (latest.action, latest.actor) == ("person.update", "boss")
    assert (stored.name, stored.department, stored.title) == ("Clare Short-Long", "Cabinet", "Minister")
    assert "Clare Short-Long" in _names(page) and page.selected_person().id == person.id
    page.deactivate_button.click()
    assert not services.core.gallery.people.get(person.id).active
    assert page.deactivate_button.text() == "Activate"
    assert page.model.index(page.model.row_of(person.id), PeopleModel.ACTIVE).data() == "no"


@pytest.mark.realdata
def test_duplicate_number_is_refused_with_a_message(page: PeoplePage, services: Services,
                                                    people: dict[str, Person], monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    assert not page.apply_changes(people["nobody"].id, {"employee_no": "E-1"})
    assert "E-1" in shown[0] and services.core.gallery.people.get(people["nobody"].id).employee_no is None


@pytest.mark.realdata
def test_delete_removes_person_and_templates(page: PeoplePage, services: Services, people: dict[str, Person],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    gallery = services.core.gallery
    person = people["Abel_Pacheco"]
    page.select_person(person.id)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.delete_button.click()
    assert gallery.people.count_templates(person.id) == 2  # not confirmed: nothing happens
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_button.click()
    assert person.id not in {p.id for p in gallery.people.list()}
    assert gallery.people.count_templates(person.id) == 0 and len(gallery) == 2
    assert _names(page) == ["Clare Short", "Zed Nophoto"]


@pytest.mark.realdata
def test_admin_gate_guards_changes_and_enrolment(page: PeoplePage, services: Services, people: dict[str, Person],
                                                 monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    asked: list[object] = []

    def refuse(parent: object) -> bool:
        asked.append(parent)
        return False

    services.require_admin = refuse
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.select_person(people["Clare_Short"].id)
    page.delete_button.click()
    page.deactivate_button.click()
    assert len(asked) == 2 and asked[0] is page
    assert len(services.core.gallery.people.list()) == 3 and services.core.gallery.people.get(
        people["Clare_Short"].id).active
    page.photos_button.click()
    assert page.opened == [people["Clare_Short"].id]  # type: ignore[attr-defined]
    window = MainWindow(services)
    qtbot.addWidget(window)
    assert window.admin_gate is refuse and window.open_enrol(None) is None and len(asked) == 3
