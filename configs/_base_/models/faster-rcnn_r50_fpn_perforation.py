# Single-frame Faster R-CNN R50-FPN baseline (Su et al., papers.md B, Table 1):
# mmdet's Faster R-CNN R50-FPN base with one class, DR-IoU on decoded boxes in
# the R-CNN head (L1 in the RPN, as mmdet) and at most one detection per
# image, wrapped in `SpatioTemporalDetector`.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './spatio-temporal-detector_perforation.py'
]

detector = _base_.model
detector.pop('data_preprocessor')  # the wrapper's preprocessor handles windows
detector.roi_head.bbox_head.update(
    num_classes=1,
    reg_decoded_bbox=True,
    loss_bbox=dict(type='mmdsa.DRIoULoss', beta=0.25, loss_weight=10.0))
detector.test_cfg.rcnn.max_per_img = 1  # at most one perforation per image

model = dict(_base_.spatio_temporal_detector, detector=detector)
del _base_.model, _base_.spatio_temporal_detector, detector
