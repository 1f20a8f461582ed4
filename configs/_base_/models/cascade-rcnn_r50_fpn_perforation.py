# Single-frame Cascade R-CNN R50-FPN baseline (Su et al., papers.md B,
# Table 1): three R-CNN stages (IoU 0.5 / 0.6 / 0.7), one class,
# cross-entropy classification, DR-IoU on decoded boxes in every stage, at most
# one detection per image.
_base_ = './faster-rcnn_r50_fpn_perforation.py'

model = dict(
    detector=dict(
        type='mmdet.CascadeRCNN',
        roi_head=dict(
            _delete_=True,
            type='mmdet.CascadeRoIHead',
            num_stages=3,
            stage_loss_weights=[1, 0.5, 0.25],
            bbox_roi_extractor=dict(
                type='mmdet.SingleRoIExtractor',
                roi_layer=dict(type='RoIAlign', output_size=7,
                               sampling_ratio=0),
                out_channels=256,
                featmap_strides=[4, 8, 16, 32]),
            bbox_head=[
                dict(
                    type='mmdet.Shared2FCBBoxHead',
                    in_channels=256,
                    fc_out_channels=1024,
                    roi_feat_size=7,
                    num_classes=1,
                    bbox_coder=dict(
                        type='mmdet.DeltaXYWHBBoxCoder',
                        target_means=[0., 0., 0., 0.],
                        target_stds=stds),
                    reg_class_agnostic=True,
                    loss_cls=dict(
                        type='mmdet.CrossEntropyLoss',
                        use_sigmoid=False,
                        loss_weight=1.0),
                    reg_decoded_bbox=True,
                    loss_bbox=dict(
                        type='mmdsa.DRIoULoss', beta=0.25, loss_weight=10.0))
                for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                             [0.033, 0.033, 0.067, 0.067])
            ]),
        train_cfg=dict(
            rpn_proposal=dict(max_per_img=2000),
            rcnn=[
                dict(
                    assigner=dict(
                        type='mmdet.MaxIoUAssigner',
                        pos_iou_thr=iou,
                        neg_iou_thr=iou,
                        min_pos_iou=iou,
                        match_low_quality=False,
                        ignore_iof_thr=-1),
                    sampler=dict(
                        type='mmdet.RandomSampler',
                        num=512,
                        pos_fraction=0.25,
                        neg_pos_ub=-1,
                        add_gt_as_proposals=True),
                    pos_weight=-1,
                    debug=False) for iou in (0.5, 0.6, 0.7)
            ]),
    ))
