# A config of *another* OpenMMLab project (default scope: mmdet) that reuses
# mmdsa modules through custom_imports: a plain mmdet RetinaNet whose box
# regression uses mmdsa's DR-IoU loss, wrapped so that backbone + FPN run on
# T = 3 frames and mmdsa's bidirectional ConvGRU fuses them for the key
# frame. mmdsa modules carry the `mmdsa.` prefix; everything else resolves in
# the mmdet scope. Tested by tests/test_docs/test_examples.py.
default_scope = 'mmdet'
custom_imports = dict(imports=['mmdsa'], allow_failed_imports=False)

retinanet = dict(
    type='RetinaNet',  # plain mmdet
    backbone=dict(
        type='ResNet', depth=18, base_channels=16, num_stages=4,
        out_indices=(1, 2, 3), norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False, style='pytorch'),
    neck=dict(type='FPN', in_channels=[32, 64, 128], out_channels=32,
              start_level=0, add_extra_convs='on_input', num_outs=5),
    bbox_head=dict(
        type='RetinaHead', num_classes=1, in_channels=32, stacked_convs=1,
        feat_channels=32,
        anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                              scales_per_octave=2, ratios=[0.5, 1.0, 2.0],
                              strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder',
                        target_means=[.0, .0, .0, .0],
                        target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0,
                      alpha=0.25, loss_weight=1.0),
        reg_decoded_bbox=True,  # IoU-type losses regress decoded boxes
        loss_bbox=dict(type='mmdsa.DRIoULoss', beta=0.25, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                      neg_iou_thr=0.4, min_pos_iou=0, ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'), allowed_border=-1, pos_weight=-1,
        debug=False),
    test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05,
                  nms=dict(type='nms', iou_threshold=0.5), max_per_img=1))

model = dict(
    type='mmdsa.SpatioTemporalDetector',
    num_frames=3,
    detector=retinanet,
    temporal_neck=dict(type='mmdsa.BiConvGRU', in_channels=32, num_levels=5),
    data_preprocessor=dict(
        type='mmdsa.DSADetectionDataPreprocessor',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        pad_size_divisor=32))
