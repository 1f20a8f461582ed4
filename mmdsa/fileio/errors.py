"""Error raised for a DSA series that cannot be read."""


class DSAReadError(ValueError):
    """A DSA series (DICOM file or folder, PNG/NPY frames) is unreadable.

    The message always starts with the offending file or folder, followed by
    the reason, e.g. ``"/data/a.dcm: not a DICOM file ..."``. Nothing is
    silently repaired: every problem the reader detects ends up here.

    Args:
        path (str | os.PathLike): The file or folder that could not be read.
        reason (str): What is wrong and, where possible, what to do about it.

    Attributes:
        path (str): As given.
        reason (str): As given.
    """

    def __init__(self, path, reason=None):
        # one argument: a whole message (torch's DataLoader re-raises a
        # worker's error as ``type(exc)(message)``)
        self.path = str(path) if reason is not None else ''
        self.reason = str(reason) if reason is not None else str(path)
        super().__init__(f'{self.path}: {self.reason}' if reason is not None
                         else self.reason)

    def __reduce__(self):
        return (type(self), (self.path, self.reason))
