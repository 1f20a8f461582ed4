# Single-frame RetinaNet R50-FPN for perforation detection (Su et al., MedIA
# 2022, papers.md B): mmdet's RetinaNet R50-FPN base with one class, the
# DR-IoU box loss on decoded boxes and at most one detection per image,
# wrapped in `SpatioTemporalDetector`. Spatio-temporal variants set
# `num_frames` and a `temporal_neck` (see configs/perforation/).
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './spatio-temporal-detector_perforation.py'
]

detector = _base_.model
detector.pop('data_preprocessor')  # the wrapper's preprocessor handles windows
detector.bbox_head.update(
    num_classes=1,
    # IoU-type losses need decoded boxes (checked at build time)
    reg_decoded_bbox=True,
    loss_bbox=dict(type='mmdsa.DRIoULoss', beta=0.25, loss_weight=1.0))
detector.test_cfg.max_per_img = 1  # at most one perforation per image

model = dict(_base_.spatio_temporal_detector, detector=detector)
del _base_.model, _base_.spatio_temporal_detector, detector
