# Single-frame Cascade R-CNN R50-FPN baseline (Su et al., papers.md B,
# Table 1): mmdet's Cascade R-CNN R50-FPN base (three R-CNN stages, IoU 0.5 /
# 0.6 / 0.7) with one class, DR-IoU on decoded boxes in every stage and at
# most one detection per image, wrapped in `SpatioTemporalDetector`.
_base_ = [
    'mmdet::_base_/models/cascade-rcnn_r50_fpn.py',
    './spatio-temporal-detector_perforation.py'
]

detector = _base_.model
detector.pop('data_preprocessor')  # the wrapper's preprocessor handles windows
# The RPN of the Faster R-CNN row (faster-rcnn_r50_fpn_perforation.py): L1 box
# loss, anchors across the border kept (mmdet's Cascade base: smooth L1,
# allowed_border=0).
detector.rpn_head.loss_bbox = dict(type='L1Loss', loss_weight=1.0)
detector.train_cfg.rpn.allowed_border = -1
detector.roi_head.bbox_head = [
    dict(head, num_classes=1, reg_decoded_bbox=True,
         loss_bbox=dict(type='mmdsa.DRIoULoss', beta=0.25, loss_weight=10.0))
    for head in detector.roi_head.bbox_head
]
detector.test_cfg.rcnn.max_per_img = 1  # at most one perforation per image

model = dict(_base_.spatio_temporal_detector, detector=detector)
del _base_.model, _base_.spatio_temporal_detector, detector
