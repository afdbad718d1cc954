"""One exception hierarchy for the whole product.

Every :class:`FaceAppError` is something the user can act on: its message says what happened and
what to do. Any other exception is a bug, logged with its traceback by the entry points.
"""

from __future__ import annotations


class FaceAppError(Exception):
    """Base of all errors the user can act on."""


class ImageError(FaceAppError):
    """An image could not be used."""


class ImageNotFoundError(ImageError):
    """The image file does not exist."""


class ImageDecodeError(ImageError):
    """The file is empty, truncated, corrupt or not an image."""


class ImageTooLargeError(ImageError):
    """The image has more pixels than the configured limit (decompression-bomb guard)."""


class NoFaceError(FaceAppError):
    """No face was found where one was required."""


class MultipleFacesError(FaceAppError):
    """Several faces were found where exactly one was required (``boxes``: the rival faces)."""

    def __init__(self, message: str, boxes: tuple[tuple[float, float, float, float], ...] = ()) -> None:
        super().__init__(message)
        self.boxes = boxes


class ModelError(FaceAppError):
    """A model is missing, corrupt or does not match its manifest."""


class ModelNotFoundError(ModelError):
    """No model of that name is registered, or its file is missing."""


class ModelIntegrityError(ModelError):
    """The model file's checksum or signature does not match its manifest."""


class ModelMismatchError(ModelError):
    """Embeddings of one model were compared with another model's (``query_model``, ``gallery_model``)."""

    def __init__(self, query_model: str, gallery_model: str) -> None:
        super().__init__(f"these face embeddings come from model {query_model!r} but the gallery searches "
                         f"{gallery_model!r}; embeddings of different models cannot be compared "
                         "(restart the live view after switching models)")
        self.query_model = query_model
        self.gallery_model = gallery_model


class ConfigError(FaceAppError):
    """Settings or command arguments are invalid."""


class DataError(FaceAppError):
    """An input data set (pairs file, ground truth...) is malformed."""


class StorageError(FaceAppError):
    """The database or data folder cannot be read or written."""


class ServerUnreachableError(StorageError):
    """The shared database server cannot be reached (the desk works offline meanwhile).

    Attributes:
        since: when this process first found it unreachable (aware UTC), or None.
    """

    def __init__(self, message: str, since: object = None) -> None:
        super().__init__(message)
        self.since = since


class CameraError(FaceAppError):
    """A camera or video source is unavailable."""


class PersonNotFoundError(FaceAppError):
    """No enrolled person has that id or employee number."""


class DuplicatePersonError(FaceAppError):
    """Another person already has that employee number."""


class DuplicateFaceError(FaceAppError):
    """The face already matches a different enrolled person (enrol with ``force`` to override).

    ``other_person_id``, ``other_name`` and ``score`` say whom it matched and how closely.
    """

    def __init__(self, message: str, other_person_id: int | None = None, other_name: str | None = None,
                 score: float | None = None) -> None:
        super().__init__(message)
        self.other_person_id = other_person_id
        self.other_name = other_name
        self.score = score


class PoorQualityError(FaceAppError):
    """A face is too small, blurred, turned away or too dark to enrol; ``reasons`` says which."""

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


class SpoofSuspectedError(FaceAppError):
    """The face looks like a photo or a screen, not a live person (anti-spoofing); carries the scores."""

    def __init__(self, message: str, score: float, threshold: float) -> None:
        super().__init__(message)
        self.score = score
        self.threshold = threshold


class EventNotFoundError(FaceAppError):
    """No attendance event has that id."""


class ResourceNotFoundError(FaceAppError):
    """A file that ships with faceapp (a font, an icon...) is missing from the installation."""


class AccessNotFoundError(FaceAppError):
    """No door or access level has that name or id."""
