"""Helpers shared by :class:`DSAClassificationDataset` and
:class:`DSADetectionDataset`."""
import os.path as osp
from typing import Optional

from mmdsa.structures.views import PAIR_VIEWS
from .annotations import AnnotationError
from .splits import SplitError, load_split, split_patients

VIEW_CHOICES = (None, ) + PAIR_VIEWS


def check_view(view, where):
    if view not in VIEW_CHOICES:
        raise ValueError(f"{where}: expected view None, 'PA' or 'LAT', got "
                         f'{view!r}')
    return view


def prepare_synthetic(synthetic: Optional[dict], data_root: str, task: str,
                      where: str) -> None:
    """Generate the synthetic data set on first use (no-op when None).

    Calls ``mmdsa.synth.ensure_synthetic_dataset(data_root, task=task,
    **synthetic)``, which reuses an existing set with the same parameters.
    """
    if synthetic is None:
        return
    if not isinstance(synthetic, dict):
        raise TypeError(f'{where}: expected synthetic to be a dict of '
                        f'generator arguments or None, got {synthetic!r}')
    if not data_root:
        raise ValueError(f'{where}: synthetic=... needs data_root (the '
                         'folder to generate into), got an empty data_root')
    from mmdsa.synth import ensure_synthetic_dataset  # lazy: heavy import
    from mmdsa.synth.dataset import ForeignFilesError
    try:
        ensure_synthetic_dataset(data_root, task=task, **synthetic)
    except ForeignFilesError as exc:
        raise ForeignFilesError(
            f'{exc} This config generates synthetic data into data_root '
            f'({where} has synthetic=...): to train on series you '
            'converted yourself, use an own-data config '
            f'(configs/{task}/*_own-{task}*.py, folder set by '
            'MMDSA_DATA_ROOT; docs/own_data.md) or set the datasets\' '
            'synthetic=None.') from exc


def check_annotation_file(ann_file: str, data_root: str,
                          synthetic: Optional[dict], where: str) -> None:
    """Refuse a missing annotation file with the fix for own data.

    Only for datasets without ``synthetic`` (a synthetic set writes its
    annotation file on first use).

    Raises:
        AnnotationError: the file ``data_root/ann_file`` does not exist; the
            message names it, ``data_root`` and how to make and point at it.
    """
    if synthetic is not None:
        return
    path = ann_file if osp.isabs(ann_file) else osp.join(data_root or '',
                                                          ann_file)
    if osp.isfile(path):
        return
    root = 'an empty data_root' if not data_root else \
        f'data_root={data_root!r}' + ('' if osp.isdir(data_root) else
                                      ' (no such folder)')
    raise AnnotationError(
        f'{where}: {path}: annotation file not found ({root}, ann_file='
        f'{ann_file!r}): expected the folder a converter wrote from your '
        'series (tools/dataset_converters/, docs/own_data.md); point '
        'data_root at it (the own-data configs read it from the '
        'environment variable MMDSA_DATA_ROOT)')


def split_filter(split_file, split, fold, where):
    """Return the set of patient ids to keep, or None to keep all."""
    if split_file is None:
        if split is not None or fold is not None:
            raise SplitError(f'{where}: split={split!r} / fold={fold!r} '
                             'given without split_file')
        return None
    if split is None:
        raise SplitError(f"{where}: split_file given: expected split "
                         f"'train', 'val' or 'test', got None")
    spl = load_split(split_file)
    return split_patients(spl, split, fold, where=split_file)


def check_split_known(keep, patients, split_file, split, fold,
                      ann_file) -> None:
    """Refuse patients a split names but the annotation file lacks.

    A typo or a stale split file would otherwise silently drop those
    patients from training or testing.

    Raises:
        AnnotationError: naming the split file, the split and the ids.
    """
    if keep is None:
        return
    unknown = sorted(set(keep) - set(patients), key=str)
    if unknown:
        from .annotations import AnnotationError
        where = split if fold is None or split == 'test' else \
            f'folds[{fold}].{split}'
        raise AnnotationError(
            f'{split_file}: {where}: expected patient ids of {ann_file}, '
            f'got {len(unknown)} unknown: {unknown[:10]}')


def resolve_file(rel: str, ann_file: str, img_prefix: str) -> str:
    """Absolute path of a series file named in an annotation file.

    Paths are relative to the annotation file's folder unless the dataset's
    ``data_prefix['img_path']`` is set, in which case they are relative to
    that folder. Absolute paths are kept.
    """
    if osp.isabs(rel):
        return rel
    base = img_prefix if img_prefix else osp.dirname(osp.abspath(ann_file))
    return osp.abspath(osp.join(base, rel))
