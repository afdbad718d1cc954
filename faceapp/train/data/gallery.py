"""The enrolled gallery as training data: one identity per active person, their stored chips.

Chips are read from the database once, when the dataset is built (galleries of an attendance
site are small: a thousand people with five faces each is about 190 MB of chips), so data-loader
workers never share the SQLite connection.
"""

from __future__ import annotations

import logging

import numpy as np

from faceapp.errors import DataError
from faceapp.store.people import People
from faceapp.train.data.folder import ChipSource
from faceapp.train.data.transforms import Augment

log = logging.getLogger(__name__)


class GalleryDataset(ChipSource):
    """Chips of active people with at least ``min_templates`` enrolled faces.

    Args:
        people: the gallery's people store.
        mean, std: pixel normalisation of the model being fine-tuned.
        augment: training augmentation.
        seed: augmentation seed.
        min_templates: people with fewer faces are left out (one face gives no positive pair).
    """

    def __init__(
        self, people: People, mean: float, std: float, augment: Augment | None = None, seed: int = 0,
        min_templates: int = 2,
    ) -> None:
        chips: list[np.ndarray] = []
        labels: list[int] = []
        self.classes: list[str] = []
        self.person_ids: list[int] = []
        for person in people.list(active=True):
            # (mypy reads ``list[...]`` inside ``People`` as its ``list`` method, hence the ignore.)
            template_ids = [t.id for t in people.templates(person.id)]  # type: ignore[attr-defined]
            if len(template_ids) < min_templates:
                continue
            chips += [people.chip(t) for t in template_ids]
            labels += [len(self.classes)] * len(template_ids)
            self.classes.append(person.name)
            self.person_ids.append(person.id)
        if len(self.classes) < 2:
            raise DataError(
                f"fine-tuning needs at least 2 active people with {min_templates}+ enrolled faces each; "
                f"the gallery has {len(self.classes)}"
            )
        super().__init__(np.asarray(labels, np.int64), mean, std, augment, seed)
        self._chips = chips
        log.info("gallery data: %d faces of %d people", len(chips), len(self.classes))

    def chip(self, index: int) -> np.ndarray:
        return self._chips[index]
