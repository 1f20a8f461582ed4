# CPU-scale demo: a tiny RetinaNet (ResNet-18 layout, 16 base channels,
# 32-channel FPN) with a 5 x 1 x 1 temporal convolution (residual) over T = 5
# frames, DR-IoU, evaluated with the series optimiser (SO), on the synthetic
# perforation set (128 px, generated on first use). Trains in minutes on 2 CPU
# cores; used by the demo and the tests. One box per image above 0.05, as
# published (see the model base).
_base_ = [
    '../_base_/models/retinanet_r18-tiny_fpn_perforation.py',
    '../_base_/datasets/synthetic_perforation.py',
    '../_base_/default_runtime.py'
]
# The window length T, set once: the model and the window loader of every
# pipeline read it (the temporal neck takes the model's num_frames).
num_frames = 5
model = dict(
    num_frames=num_frames,
    temporal_neck=dict(
        type='TemporalConvolution', in_channels=32, num_levels=5,
        residual=True),
    # SO, owned by the model (minimum box score = the detector's test
    # score_thr, 0.05); SeriesDetectionMetric applies it.
    series_post_processor=dict(type='TrajectoryOptimizer'))
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
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=8, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# Published optimiser (SGD momentum 0.9, wd 1e-4) with a larger learning rate
# (0.002; 0.01 diverges with the focal loss from random initialisation)
# and a short warm-up for the tiny, randomly initialised model.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.002, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, begin=0, end=8, T_max=8,
         by_epoch=True, convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(interval=10))
