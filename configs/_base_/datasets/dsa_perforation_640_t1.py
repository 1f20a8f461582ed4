# The 640 px perforation data with single-frame (T = 1) windows: the
# single-frame rows of Su et al. (papers.md B) load the key frame only.
_base_ = ['./dsa_perforation_640.py']

num_frames = 1
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
