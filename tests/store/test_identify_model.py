"""A query is searched only among templates of the model that produced it: ``model=`` is required and checked."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.errors import FaceAppError, ModelMismatchError
from faceapp.store.gallery import Gallery

from .conftest import DIM, MODEL, random_chip, unit


class _Tagged(np.ndarray):
    """Embeddings that say which model produced them (an ``embeddings.model`` attribute)."""

    model: str


def _tagged(rows: np.ndarray, model: str) -> _Tagged:
    tagged = rows.view(_Tagged)
    tagged.model = model
    return tagged


def test_a_query_from_another_model_is_refused_clearly(gallery: Gallery, rng: np.random.Generator) -> None:
    person = gallery.add_person("Ada").id
    vector = unit(rng.normal(size=DIM))
    gallery.add_template(person, random_chip(rng), vector[0])
    assert gallery.identify(vector, model=MODEL)[0].person_id == person
    with pytest.raises(ModelMismatchError) as refused:
        gallery.identify(vector, model="another-model-128")  # same size, so the search itself would run
    assert isinstance(refused.value, FaceAppError)
    assert "another-model-128" in str(refused.value) and MODEL in str(refused.value)
    assert (refused.value.query_model, refused.value.gallery_model) == ("another-model-128", MODEL)


def test_the_model_must_be_named_and_agree_with_the_embeddings(gallery: Gallery, rng: np.random.Generator) -> None:
    vector = unit(rng.normal(size=DIM))
    with pytest.raises(TypeError, match="model"):
        gallery.identify(vector)  # type: ignore[call-arg]
    with pytest.raises(ModelMismatchError):
        gallery.identify(vector, model=None)  # type: ignore[arg-type]
    with pytest.raises(ModelMismatchError, match="another-model-128"):
        gallery.identify(_tagged(vector, "another-model-128"), model=MODEL)
    assert gallery.identify(_tagged(vector, MODEL), model=MODEL)[0].person_id is None  # empty gallery, no error
