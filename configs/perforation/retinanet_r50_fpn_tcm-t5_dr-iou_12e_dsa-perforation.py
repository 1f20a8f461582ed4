# RN+TCM: RetinaNet R50-FPN with a 5 x 1 x 1 temporal convolution per FPN
# level over T = 5 frames (t-2..t+2), DR-IoU, 640 px, 12 epochs (Su et al.,
# papers.md B, Table 1; the T = 5 row of the frame ablation, Table 2).
_base_ = [
    '../_base_/models/retinanet_r50_fpn_perforation.py',
    '../_base_/datasets/dsa_perforation_640.py',
    '../_base_/schedules/schedule_perforation_sgd-cosine_12e.py',
    '../_base_/default_runtime.py'
]

# The window length T, set once: the model and the window loader of every
# pipeline read it (the temporal neck takes the model's num_frames).
num_frames = 5
model = dict(
    num_frames=num_frames,
    temporal_neck=dict(
        type='TemporalConvolution', in_channels=256, num_levels=5))
train_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    *_base_.train_pipeline[1:]
]
test_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    *_base_.test_pipeline[1:]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
