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

# The window length T, set once: the model and the window loader of every
# pipeline read it (the temporal neck takes the model's num_frames).
num_frames = 3
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
