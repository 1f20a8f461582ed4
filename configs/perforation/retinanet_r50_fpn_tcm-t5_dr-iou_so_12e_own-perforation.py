# Starter config for your own perforation data (docs/own_data.md): Su et
# al.'s RN+TCM+SO (RetinaNet R50-FPN, temporal convolution over T = 5
# frames, DR-IoU, series trajectory optimiser, 640 px, 12 epochs) on the
# converted folder named by MMDSA_DATA_ROOT. Other folds:
# --cfg-options train_dataloader.dataset.fold=K val_dataloader.dataset.fold=K
# test_dataloader.dataset.fold=K.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_perforation.py',
    '../_base_/datasets/own_perforation_640.py',
    '../_base_/schedules/schedule_perforation_sgd-cosine_12e.py',
    '../_base_/default_runtime.py'
]

# T = 5 is the dataset base's window length; the model reads the same value.
num_frames = _base_.num_frames
model = dict(
    num_frames=num_frames,
    temporal_neck=dict(
        type='TemporalConvolution', in_channels=256, num_levels=5),
    series_post_processor=dict(type='TrajectoryOptimizer'))
