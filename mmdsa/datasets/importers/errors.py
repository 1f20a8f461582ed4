"""The error every importer raises for input it does not understand."""
from mmdsa.datasets.annotations import AnnotationError


class ConversionError(AnnotationError):
    """A file to import that cannot be converted.

    The message names the file (and row, element or entry), the field, what
    was expected and what came, e.g. ``tracks.xml: <track id="2"> <box
    frame="7">: field "xtl": expected a number, got 'abc'``. A subclass of
    :class:`~mmdsa.datasets.annotations.AnnotationError` (a ``ValueError``),
    so the tools report it as one ``error: ...`` line with exit status 2.
    """


def fail(where: str, field: str, expected: str, got) -> None:
    """Raise :class:`ConversionError` in the project's message layout."""
    raise ConversionError(f'{where}: field "{field}": expected {expected}, '
                          f'got {got!r}')
