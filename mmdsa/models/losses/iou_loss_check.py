"""Build-time check that IoU-type box losses get decoded boxes.

mmdet heads feed a box loss either encoded deltas (``reg_decoded_bbox=False``,
the default) or decoded boxes. IoU-type losses need decoded boxes; given
deltas they produce meaningless or NaN losses. The check below turns that
silent failure into a ``ValueError`` when the detector is built.
"""
from typing import List, Mapping

#: Box losses that compare decoded boxes (x1, y1, x2, y2).
IOU_LOSS_TYPES = frozenset({
    'IoULoss', 'GIoULoss', 'DIoULoss', 'CIoULoss', 'EIoULoss', 'SIoULoss',
    'BoundedIoULoss', 'DRIoULoss'
})


def _loss_type(loss_cfg) -> str:
    """Registry name of a loss config without its scope prefix."""
    if isinstance(loss_cfg, Mapping):
        name = loss_cfg.get('type', '')
    else:
        name = type(loss_cfg).__name__
    name = name if isinstance(name, str) else getattr(name, '__name__', '')
    return name.rsplit('.', 1)[-1]


def _heads(detector_cfg: Mapping) -> List[tuple]:
    """(path, head config) of every box head in a detector config."""
    heads = []
    for key in ('bbox_head', 'rpn_head'):
        if isinstance(detector_cfg.get(key), Mapping):
            heads.append((key, detector_cfg[key]))
    roi_head = detector_cfg.get('roi_head')
    if isinstance(roi_head, Mapping):
        bbox_head = roi_head.get('bbox_head')
        if isinstance(bbox_head, Mapping):
            heads.append(('roi_head.bbox_head', bbox_head))
        elif isinstance(bbox_head, (list, tuple)):
            heads += [(f'roi_head.bbox_head[{i}]', h)
                      for i, h in enumerate(bbox_head)
                      if isinstance(h, Mapping)]
    return heads


def check_iou_loss_config(detector_cfg: Mapping,
                          where: str = 'detector') -> None:
    """Raise if a head uses an IoU-type loss on encoded deltas.

    Args:
        detector_cfg (Mapping): An mmdet detector config (single-stage,
            two-stage or cascade).
        where (str): Name of the config in the error message.

    Raises:
        ValueError: A head's ``loss_bbox`` is an IoU-type loss (see
            :data:`IOU_LOSS_TYPES`) while its ``reg_decoded_bbox`` is False
            or missing (mmdet's default is False).
    """
    if not isinstance(detector_cfg, Mapping):
        raise TypeError(f'{where}: expected a detector config dict, got '
                        f'{type(detector_cfg).__name__}')
    for path, head in _heads(detector_cfg):
        loss = head.get('loss_bbox')
        if loss is None:
            continue
        name = _loss_type(loss)
        if name in IOU_LOSS_TYPES and not head.get('reg_decoded_bbox', False):
            raise ValueError(
                f'{where}.{path}: loss_bbox {name} is an IoU-type loss and '
                'expects decoded boxes, so reg_decoded_bbox=True is expected,'
                f' got reg_decoded_bbox={head.get("reg_decoded_bbox")!r} '
                '(encoded deltas would give meaningless or NaN losses)')
