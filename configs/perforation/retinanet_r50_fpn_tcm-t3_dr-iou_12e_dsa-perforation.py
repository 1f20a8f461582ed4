# Frame ablation (Su et al., papers.md B, Table 2), T = 3 (t-1..t+1): RetinaNet
# R50-FPN with a 3 x 1 x 1 temporal convolution, DR-IoU, 640 px, 12 epochs.
# T = 1: retinanet_r50_fpn_dr-iou_12e_dsa-perforation.py;
# T = 5: retinanet_r50_fpn_tcm-t5_dr-iou_12e_dsa-perforation.py.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_perforation.py',
    '../_base_/datasets/dsa_perforation_640.py',
    '../_base_/schedules/schedule_perforation_sgd-cosine_12e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    num_frames=3,
    temporal_neck=dict(
        type='TemporalConvolution', in_channels=256, num_levels=5))

num_frames = 3
train_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.Resize', scale=(640, 640), keep_ratio=True),
        dict(type='mmdet.RandomFlip', prob=0.5, direction='horizontal'),
        # about the image centre (mmdet.RandomAffine pivots on the corner)
        dict(type='ShiftScaleRotate', shift_limit=0.0625, scale_limit=0.1,
             rotate_limit=10, prob=0.5, border_val=128),
    ]),
    dict(type='PackDSADetectionInputs'),
]
test_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.Resize', scale=(640, 640), keep_ratio=True)]),
    dict(type='PackDSADetectionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
