# CPU-scale RetinaNet for the synthetic demo and the tests: ResNet-18
# layout with 16 base channels, a 32-channel FPN, one stacked head
# convolution, DR-IoU.
# Inputs of about 96-128 px; a few epochs train in minutes on 2 CPU cores.
# Anchors start at 16 px (octave_base_scale=2 at stride 8): synthetic
# extravasation boxes are about 8-25 px at 96-128 px inputs.
# Test settings as published (papers.md B, MMDetection's standard ones):
# at most one box per image, boxes below 0.05 dropped, so the series
# optimiser and the max-score rule read the same detections.
model = dict(
    type='SpatioTemporalDetector',
    num_frames=1,
    data_preprocessor=dict(
        type='DSADetectionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        pad_size_divisor=32),
    detector=dict(
        type='mmdet.RetinaNet',
        backbone=dict(
            type='mmdet.ResNet',
            depth=18,
            base_channels=16,
            num_stages=4,
            out_indices=(1, 2, 3),
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=False,
            style='pytorch'),
        neck=dict(
            type='mmdet.FPN',
            in_channels=[32, 64, 128],
            out_channels=32,
            start_level=0,
            add_extra_convs='on_input',
            num_outs=5),
        bbox_head=dict(
            type='mmdet.RetinaHead',
            num_classes=1,
            in_channels=32,
            stacked_convs=1,
            feat_channels=32,
            anchor_generator=dict(
                type='mmdet.AnchorGenerator',
                octave_base_scale=2,
                scales_per_octave=2,
                ratios=[0.5, 1.0, 2.0],
                strides=[8, 16, 32, 64, 128]),
            bbox_coder=dict(
                type='mmdet.DeltaXYWHBBoxCoder',
                target_means=[.0, .0, .0, .0],
                target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(
                type='mmdet.FocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=1.0),
            reg_decoded_bbox=True,
            loss_bbox=dict(type='mmdsa.DRIoULoss', beta=0.25,
                           loss_weight=1.0)),
        train_cfg=dict(
            assigner=dict(
                type='mmdet.MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.4,
                min_pos_iou=0,
                ignore_iof_thr=-1),
            sampler=dict(type='mmdet.PseudoSampler'),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        test_cfg=dict(
            nms_pre=200,
            min_bbox_size=0,
            score_thr=0.05,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=1)))  # at most one perforation per image
