"""Series-level (classification) dataset: one sample per DSA series."""
import copy
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmdsa.registry import DATASETS
from mmdsa.structures.pairing import group_pairs, pair_label
from mmdsa.utils.deprecation import register_renamed
from .annotations import (CLASSIFICATION_CLASSES, AnnotationError,
                          check_has_series,
                          load_classification_annotations)
from .dataset_utils import (check_annotation_file, check_split_known,
                            check_view, prepare_synthetic, resolve_file,
                            split_filter)
from .pair_rules import (PAPER_EXCLUSIONS, check_flags, exclude_flagged,
                         harmonise_pair_labels)


@DATASETS.register_module()
class DSAClassificationDataset(BaseDataset):
    """Thrombus classification data set (one sample per series or pair).

    Reads the classification annotation format (``docs/data_formats.md``).

    Args:
        ann_file (str): annotation JSON, relative to ``data_root``.
        view (str, optional): keep only ``'PA'`` or ``'LAT'`` series;
            None keeps both.
        pair_mode (bool): one sample per ``pair_id`` holding both views
            (PA first, then LAT) so a pipeline can augment them with the
            same random parameters. The pair label is the maximum of the
            two. Every pair must have exactly one PA and one LAT series.
        split_file (str, optional): split JSON (``tools/misc/make_splits.py``),
            relative to ``data_root`` unless absolute.
        split (str, optional): ``'train'``, ``'val'`` or ``'test'``.
        fold (int, optional): fold index for ``'train'`` / ``'val'``.
        synthetic (dict, optional): when given, ``mmdsa.synth.
            ensure_synthetic_dataset(data_root, task='thrombus',
            **synthetic)`` runs first, so a config works on first use.
        harmonise_pairs (bool): the paper's rule: when one view of a pair
            is positive, the other view is labelled positive too (on the
            whole annotation file, before the view / split selection). The
            number of labels changed is logged. Default True.
        exclude_flags (Sequence[str]): drop every pair one of whose series
            carries one of these ``flags`` (``mmdsa.datasets.annotations.
            SERIES_FLAGS``). Default: the paper's exclusions
            ``('missing_view', 'vertebral_only', 'eca_only')``; add
            ``'uncertain'`` for the paper's test set 1 (test set 2 keeps
            the uncertain pairs); ``()`` keeps everything.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``data_root``, ``data_prefix``, ``pipeline``, ``test_mode``...).
            ``data_prefix['img_path']`` (when set) replaces the annotation
            file's folder as the base of relative series paths.

    Each ``data_info`` holds ``img_path`` (absolute), ``series_id``,
    ``patient_id``, ``pair_id``, ``view``, ``gt_label``, ``num_frames``,
    ``acquisition_datetime``, ``thrombus_points``, ``occlusion_level``
    (None when unknown or negative), ``flags``. In pair mode these keys
    hold lists (PA, LAT) except ``patient_id``, ``pair_id`` and
    ``gt_label``, and ``pair_mode=True`` is added.
    """

    METAINFO = dict(classes=CLASSIFICATION_CLASSES)

    def __init__(self,
                 ann_file: str = '',
                 view: Optional[str] = None,
                 pair_mode: bool = False,
                 split_file: Optional[str] = None,
                 split: Optional[str] = None,
                 fold: Optional[int] = None,
                 synthetic: Optional[dict] = None,
                 harmonise_pairs: bool = True,
                 exclude_flags: Sequence[str] = PAPER_EXCLUSIONS,
                 **kwargs):
        where = type(self).__name__
        self.harmonise_pairs = bool(harmonise_pairs)
        self.exclude_flags = check_flags(exclude_flags, where)
        self.view = check_view(view, where)
        if pair_mode and view is not None:
            raise ValueError(f'{where}: pair_mode=True loads both views: '
                             f'expected view=None, got {view!r}')
        self.pair_mode = bool(pair_mode)
        data_root = kwargs.get('data_root', '') or ''
        if split_file is not None and not osp.isabs(split_file):
            split_file = osp.join(data_root, split_file)
        self.split_file, self.split, self.fold = split_file, split, fold
        self._user_img_prefix = copy.copy(
            kwargs.get('data_prefix', {}) or {}).get('img_path', '')
        prepare_synthetic(synthetic, data_root, 'thrombus', where)
        if not kwargs.get('lazy_init', False):
            check_annotation_file(ann_file, data_root, synthetic, where)
        super().__init__(ann_file=ann_file, **kwargs)

    def _img_prefix(self):
        return self.data_prefix.get('img_path', '') \
            if self._user_img_prefix else ''

    def load_data_list(self) -> List[dict]:
        """Load, validate and filter the annotation file."""
        ann = load_classification_annotations(self.ann_file)
        classes = ann['metainfo'].get('classes')
        if classes is not None and tuple(classes) != tuple(
                self.metainfo['classes']):
            raise AnnotationError(
                f'{self.ann_file}: top level: field "metainfo.classes": '
                f"expected {list(self.metainfo['classes'])}, got {classes}")
        keep = split_filter(self.split_file, self.split, self.fold,
                            type(self).__name__)
        entries = ann['data_list']
        check_split_known(keep, {d['patient_id'] for d in entries},
                          self.split_file, self.split, self.fold,
                          self.ann_file)
        if self.harmonise_pairs:
            entries, changed = harmonise_pair_labels(entries)
            if changed:
                print_log(
                    f'{type(self).__name__}: {self.ann_file}: {changed} '
                    'series labelled 0 set to 1 because the other view of '
                    'their pair is positive (harmonise_pairs=True)',
                    logger='current')
        entries, dropped = exclude_flagged(entries, self.exclude_flags)
        if dropped:
            print_log(
                f'{type(self).__name__}: {self.ann_file}: {dropped} series '
                f'excluded (pairs flagged {list(self.exclude_flags)})',
                logger='current')
        infos = []
        for d in entries:
            if keep is not None and d['patient_id'] not in keep:
                continue
            if self.view is not None and d['view'] != self.view:
                continue
            infos.append(
                dict(
                    img_path=resolve_file(d['file'], self.ann_file,
                                          self._img_prefix()),
                    series_id=d['series_id'],
                    patient_id=d['patient_id'],
                    pair_id=d['pair_id'],
                    view=d['view'],
                    gt_label=d['label'],
                    num_frames=d['num_frames'],
                    acquisition_datetime=d['acquisition_datetime'],
                    thrombus_points=d['thrombus_points'],
                    occlusion_level=d['occlusion_level'],
                    flags=d['flags']))
        check_has_series(
            self.ann_file, len(infos),
            f'series for split={self.split!r}, fold={self.fold!r}, '
            f'view={self.view!r}')
        if not self.pair_mode:
            return infos
        return self._make_pairs(infos)

    def _make_pairs(self, infos: List[dict]) -> List[dict]:
        """One sample per pair (:func:`mmdsa.structures.group_pairs`, the
        one pairing rule), in annotation order."""
        try:
            grouped = group_pairs(infos, self.ann_file)
        except ValueError as err:
            raise AnnotationError(str(err)) from err
        pairs = []
        for pid, pa, lat in grouped:
            if pa['patient_id'] != lat['patient_id']:
                raise AnnotationError(
                    f'{self.ann_file}: pair_id={pid!r}: field "patient_id": '
                    f"expected both views of one patient, got "
                    f"{pa['patient_id']!r} and {lat['patient_id']!r}")
            pair = {k: [pa[k], lat[k]] for k in pa}
            pair.update(
                patient_id=pa['patient_id'], pair_id=pid,
                gt_label=pair_label(pa['gt_label'], lat['gt_label']),
                pair_mode=True)
            pairs.append(pair)
        return pairs


register_renamed(DATASETS, DSAClassificationDataset)
