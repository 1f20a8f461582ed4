"""Pictures of series predictions read back from a prediction file
(``docs/contracts.md``), for ``tools/test.py --show-dir`` and
``tools/analysis_tools/analyze_results.py``.

A detection picture shows evenly spaced frames of the series with the
detector's boxes (yellow), the boxes the series rule kept (red) and the
reference boxes (green, dashed), re-scored with the file's
``series_post_processor`` (:func:`mmdsa.evaluation.cross_validation.
scored_series`). A classification picture shows frames of the series with
the score and the label in the title.
"""
import os.path as osp
import re
from typing import Dict, List, Optional

import numpy as np

__all__ = ['series_paths', 'scored_predictions', 'draw_prediction',
           'picture_name', 'best_and_worst']


def series_paths(cfg, split: str = 'test') -> Dict[str, str]:
    """``{series_id: file}`` of a config's ``<split>_dataloader`` data set.

    Raises:
        ValueError: The config has no such dataloader.
    """
    from mmdsa.registry import DATASETS
    from mmdsa.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    loader = cfg.get(f'{split}_dataloader', None)
    if not loader:
        raise ValueError(f'config: field "{split}_dataloader": expected a '
                         'dataloader, got none')
    dataset = DATASETS.build(loader.dataset)
    out = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        out.setdefault(str(info['series_id']), info['img_path'])
    return out


def scored_predictions(data: Dict) -> List[Dict]:
    """The records of a loaded prediction file; detection records with
    ``frames`` are re-scored with the file's series rule, so each frame row
    carries ``raw_bboxes`` / ``raw_scores`` (detector) and ``bboxes``
    (kept)."""
    preds = data['predictions']
    if preds and all('frames' in p for p in preds):
        from mmdsa.evaluation.cross_validation import scored_series
        return scored_series(data)
    return [dict(p) for p in preds]


def picture_name(record: Dict, prefix: str = '') -> str:
    """A safe file name for a series picture."""
    sid = re.sub(r'[^A-Za-z0-9._-]+', '_', str(record['series_id']))
    return f'{prefix}{sid}.png'


def draw_prediction(record: Dict, path: str, out_file: str,
                    title: Optional[str] = None, max_frames: int = 12) -> str:
    """Draw one scored series record over the frames of its file.

    Args:
        record (dict): A record of :func:`scored_predictions` (``series_id``,
            ``label``, ``score``, detection: ``frames``).
        path (str): The series file (DICOM, or what
            :func:`mmdsa.fileio.read_dsa_series` reads).
        out_file (str): Destination PNG (atomic).
        title (str, optional): Figure title; by default the series, its
            score and its reference label.
        max_frames (int): Frames shown at most.

    Returns:
        str: ``out_file``.
    """
    from mmdsa.fileio import read_dsa_series
    from mmdsa.visualization import draw_series_detections
    frames = read_dsa_series(path).frames
    if title is None:
        title = (f"{record['series_id']}: score {float(record['score']):.3f}"
                 f", reference label {int(record['label'])}")
    if 'frames' not in record:
        return draw_series_detections(frames, out_file, title=title,
                                      max_frames=max_frames, legend='')
    detections = [(np.zeros((0, 4)), np.zeros(0))] * len(frames)
    trajectory, gt = {}, {}
    for row in record['frames']:
        fid = int(row['frame_id'])
        if not 0 <= fid < len(frames):
            continue
        detections[fid] = (np.asarray(row.get('raw_bboxes', row['bboxes'])),
                           np.asarray(row.get('raw_scores', row['scores'])))
        kept = np.asarray(row['bboxes']).reshape(-1, 4)
        if len(kept) and 'raw_bboxes' in row:
            trajectory[fid] = kept[0]
        refs = np.asarray(row['gt_bboxes']).reshape(-1, 4)
        if len(refs):
            gt[fid] = refs[0]
    return draw_series_detections(frames, out_file, detections=detections,
                                  trajectory=trajectory, gt_boxes=gt,
                                  title=title, max_frames=max_frames)


def best_and_worst(records: List[Dict], k: int):
    """The ``k`` best and ``k`` worst series by the series score against
    the reference label: the error is ``|label - score|`` (a positive
    series should score 1, a negative 0).

    Args:
        records (list[dict]): Records with ``series_id``, ``label``,
            ``score``.
        k (int): How many of each (at most half of the records each, so
            no series is both).

    Returns:
        tuple[list, list]: (best, worst), each a list of the records with
        ``error`` added; best by increasing, worst by decreasing error
        (ties by series id).
    """
    if k < 1:
        raise ValueError(f'--topk: expected at least 1, got {k}')
    scored = [dict(r, error=abs(int(r['label']) - float(r['score'])))
              for r in records]
    scored.sort(key=lambda r: (r['error'], str(r['series_id'])))
    k = min(k, len(scored) // 2) if len(scored) > 1 else len(scored)
    best = scored[:k]
    worst = sorted(scored[len(scored) - k:],
                   key=lambda r: (-r['error'], str(r['series_id'])))
    return best, worst
