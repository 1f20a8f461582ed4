"""Frame-level (detection) dataset: one sample per key frame of a series."""
import copy
import os.path as osp
from typing import Dict, List, Optional

from mmengine.dataset import BaseDataset

from mmdsa.registry import DATASETS
from mmdsa.utils.deprecation import register_renamed
from .annotations import (DETECTION_CLASSES, check_has_series,
                          load_detection_annotations)
from .dataset_utils import (check_annotation_file, check_split_known,
                            check_view, prepare_synthetic, resolve_file,
                            split_filter)


@DATASETS.register_module()
class DSADetectionDataset(BaseDataset):
    """Perforation detection data set (CocoVID-style annotations).

    One sample per key frame: every frame of every series, negative series
    included. Samples are ordered by series (annotation order) and, inside
    a series, by ``frame_id``, so at test time the frames of a series are
    consecutive and in order (see ``docs/data_formats.md`` for multi-rank
    testing).

    Args:
        ann_file (str): annotation JSON, relative to ``data_root``.
        key_frame_interval (int): keep frames whose ``frame_id`` is a
            multiple of this (training subsampling; 1 keeps all).
        view (str, optional): ``'PA'`` / ``'LAT'`` filter; None keeps all.
        split_file, split, fold: patient split (see
            :class:`DSAClassificationDataset`).
        synthetic (dict, optional): when given, ``mmdsa.synth.
            ensure_synthetic_dataset(data_root, task='perforation',
            **synthetic)`` runs first.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.

    Each ``data_info`` holds ``img_path`` (absolute), ``img_id``,
    ``video_id``, ``series_id`` (video name), ``patient_id``, ``pair_id``,
    ``view``, ``frame_id``, ``series_length``, ``series_label``, ``width``,
    ``height`` and ``instances`` (``[{'bbox': [x1, y1, x2, y2],
    'bbox_label': 0, 'ignore_flag': 0}]`` for the key frame's box, if any).
    """

    METAINFO = dict(classes=DETECTION_CLASSES)

    def __init__(self,
                 ann_file: str = '',
                 key_frame_interval: int = 1,
                 view: Optional[str] = None,
                 split_file: Optional[str] = None,
                 split: Optional[str] = None,
                 fold: Optional[int] = None,
                 synthetic: Optional[dict] = None,
                 **kwargs):
        where = type(self).__name__
        if not isinstance(key_frame_interval, int) or isinstance(
                key_frame_interval, bool) or key_frame_interval < 1:
            raise ValueError(f'{where}: expected key_frame_interval to be a '
                             f'positive integer, got {key_frame_interval!r}')
        self.key_frame_interval = key_frame_interval
        self.view = check_view(view, where)
        data_root = kwargs.get('data_root', '') or ''
        if split_file is not None and not osp.isabs(split_file):
            split_file = osp.join(data_root, split_file)
        self.split_file, self.split, self.fold = split_file, split, fold
        self._user_img_prefix = copy.copy(
            kwargs.get('data_prefix', {}) or {}).get('img_path', '')
        self.series_infos: Dict[str, dict] = {}
        prepare_synthetic(synthetic, data_root, 'perforation', where)
        if not kwargs.get('lazy_init', False):
            check_annotation_file(ann_file, data_root, synthetic, where)
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load, validate and filter the annotation file."""
        ann = load_detection_annotations(self.ann_file)
        keep = split_filter(self.split_file, self.split, self.fold,
                            type(self).__name__)
        check_split_known(keep, {v['patient_id'] for v in ann['videos']},
                          self.split_file, self.split, self.fold,
                          self.ann_file)
        prefix = self.data_prefix.get('img_path', '') \
            if self._user_img_prefix else ''
        data_list = []
        self.series_infos = {}
        for video in ann['videos']:
            if keep is not None and video['patient_id'] not in keep:
                continue
            if self.view is not None and video['view'] != self.view:
                continue
            self.series_infos[video['name']] = dict(
                video_id=video['id'], label=video['label'],
                num_frames=video['num_frames'],
                patient_id=video['patient_id'],
                num_boxes=sum(len(f['bboxes']) for f in video['frames']))
            for frame in video['frames']:
                if frame['frame_id'] % self.key_frame_interval:
                    continue
                data_list.append(
                    dict(
                        img_path=resolve_file(frame['file_name'],
                                              self.ann_file, prefix),
                        img_id=frame['image_id'],
                        video_id=video['id'],
                        series_id=video['name'],
                        patient_id=video['patient_id'],
                        pair_id=video['pair_id'],
                        view=video['view'],
                        frame_id=frame['frame_id'],
                        series_length=video['num_frames'],
                        series_label=video['label'],
                        acquisition_datetime=video['acquisition_datetime'],
                        width=frame['width'],
                        height=frame['height'],
                        instances=[
                            dict(bbox=list(b), bbox_label=0, ignore_flag=0)
                            for b in frame['bboxes']
                        ]))
        check_has_series(
            self.ann_file, len(data_list),
            f'series for split={self.split!r}, fold={self.fold!r}, '
            f'view={self.view!r}')
        return data_list


register_renamed(DATASETS, DSADetectionDataset)
