"""Storage: SQLite as the single source of truth, with the search index derived from it.

The enrolment service (:mod:`faceapp.store.enrol`) needs the vision pipeline and is imported
from its module, so that importing the store does not load ONNX Runtime. Typical use::

    gallery = Gallery.open(paths, pipeline.info.embedder, pipeline.info.embedding_size)
    person = gallery.add_person("李雷", employee_no="E042")
    Enroller(gallery, pipeline).enrol_photo(person.id, "photo.jpg")
    gallery.identify(faces.embeddings, model=pipeline.info.embedder)
"""

from faceapp.store.audit import AuditEntry, AuditLog
from faceapp.store.db import SCHEMA_VERSION, Database
from faceapp.store.events import Events
from faceapp.store.gallery import Gallery, Thresholds
from faceapp.store.index import IndexParams, TemplateIndex
from faceapp.store.people import People, Template

__all__ = [
    "SCHEMA_VERSION",
    "AuditEntry",
    "AuditLog",
    "Database",
    "Events",
    "Gallery",
    "IndexParams",
    "People",
    "Template",
    "TemplateIndex",
    "Thresholds",
]
