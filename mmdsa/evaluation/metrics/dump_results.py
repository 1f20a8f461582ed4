"""MMEngine's ``DumpResults`` written through the one atomic writer."""
from mmengine.evaluator import DumpResults
from mmengine.fileio import dump
from mmengine.logging import print_log

from mmdsa.registry import METRICS
from mmdsa.utils.fileio import atomic_write


@METRICS.register_module()
class AtomicDumpResults(DumpResults):
    """Dump raw predictions to a pickle file, atomically.

    MMEngine's :class:`~mmengine.evaluator.DumpResults` writes the pickle in
    place, so a full disk or a kill leaves a truncated file under the final
    name (and destroys a good file that was there). This one writes through
    :func:`mmdsa.utils.fileio.atomic_write`: the old file stays intact on
    any error, and inside a tool run an existing file this run did not
    write is refused unless ``--overwrite``.

    Args:
        out_file_path (str): ``.pkl`` or ``.pickle`` file.
        **kwargs: :class:`~mmengine.evaluator.DumpResults`'s arguments.
    """

    def compute_metrics(self, results: list) -> dict:
        atomic_write(self.out_file_path,
                     writer=lambda tmp: dump(results, tmp, file_format='pkl'))
        print_log(f'Results has been saved to {self.out_file_path}.',
                  logger='current')
        return {}
