# RetinaNet (RN), single frame (T = 1), ResNet50-FPN, DR-IoU, 640 px,
# 12 epochs:
# Table 1 of Su et al. (papers.md B); also the T = 1 row of the frame ablation
# (Table 2). The data base loads T = 5 windows: this config loads the key
# frame only.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_perforation.py',
    '../_base_/datasets/dsa_perforation_640.py',
    '../_base_/schedules/schedule_perforation_sgd-cosine_12e.py',
    '../_base_/default_runtime.py'
]

num_frames = 1
train_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.Resize', scale=(640, 640), keep_ratio=True),
        dict(type='mmdet.RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='RandomApply', prob=0.5, transforms=[
            dict(type='mmdet.RandomAffine', max_rotate_degree=10,
                 max_translate_ratio=0.0625, scaling_ratio_range=(0.9, 1.1),
                 max_shear_degree=0, border_val=(128, 128, 128))]),
    ]),
    dict(type='PackDSADetInputs'),
]
test_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.Resize', scale=(640, 640), keep_ratio=True)]),
    dict(type='PackDSADetInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
