"""Collate function for pair-mode classification samples."""
from typing import List, Sequence

from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS


@FUNCTIONS.register_module(name='dsa_pair_collate')
def dsa_pair_collate(data_batch: Sequence[dict]) -> dict:
    """Flatten pair samples into consecutive per-view series, then collate.

    A pair-mode sample (``PackDSAClassificationInputs`` with
    ``pair_mode=True``) holds ``inputs`` = [PA (G, 3, H, W), LAT (G', 3, H, W)]
    and two data samples. This turns a batch of B pairs into a batch of 2B
    series (PA, LAT, PA, LAT, ...) that ``DSAClassificationDataPreprocessor``
    and the recognizer handle as usual; single-view samples pass through
    unchanged. Use in a config as ``collate_fn=dict(type='dsa_pair_collate')``.
    """
    flat: List[dict] = []
    for item in data_batch:
        if isinstance(item['inputs'], (list, tuple)):
            for x, s in zip(item['inputs'], item['data_samples']):
                flat.append(dict(inputs=x, data_samples=s))
        else:
            flat.append(item)
    return pseudo_collate(flat)
