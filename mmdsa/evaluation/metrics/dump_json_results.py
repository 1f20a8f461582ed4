"""Dump raw test predictions as JSON (``tools/test.py --out FILE.json``),
the JSON sibling of MMEngine's ``DumpResults`` (pickle)."""
from typing import Any, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmdsa.registry import METRICS
from mmdsa.utils.fileio import write_json_atomic


def to_builtin(obj: Any) -> Any:
    """Data samples, tensors and numpy values as JSON-ready builtins
    (``BaseDataElement`` -> its ``to_dict()``, arrays -> nested lists)."""
    import torch
    from mmengine.structures import BaseDataElement
    if isinstance(obj, BaseDataElement):
        return to_builtin(obj.to_dict())
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().tolist()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {str(k): to_builtin(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_builtin(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return repr(obj)


@METRICS.register_module()
class DumpJSONResults(BaseMetric):
    """Write every test data sample (predictions, references, meta) to one
    JSON file, atomically, on rank 0.

    Args:
        out_file_path (str): Destination ``.json`` file.
        collect_device (str): As for ``BaseMetric``.
    """

    def __init__(self, out_file_path: str, collect_device: str = 'cpu'):
        super().__init__(collect_device=collect_device)
        if not str(out_file_path).endswith('.json'):
            raise ValueError(f'DumpJSONResults: out_file_path: expected a '
                             f'.json file, got {out_file_path}')
        self.out_file_path = out_file_path

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        self.results.extend(to_builtin(s) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        write_json_atomic(self.out_file_path, results, allow_nan=True)
        return {}
