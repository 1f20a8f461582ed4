# CPU-scale demo of the thrombus recognizer on generated DICOM series
# (configs/_base_/datasets/synthetic_thrombus.py, 128 px, both views in one
# model so that tools/test.py reports PA, LAT and PA+LAT pair metrics).
# Same architecture as the published variants, scaled down: mmpretrain
# ResNet18 with 1/4 width (16..128 channels), 3 x 3 grid, BiGRU 2 x 64.
_base_ = [
    '../_base_/models/cnnrnn_resnet18-bigru_thrombus.py',
    '../_base_/datasets/synthetic_thrombus.py',
    '../_base_/schedules/schedule_thrombus_adamw-plateau_130e.py'
]
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet',
        depth=18,
        base_channels=16,
        stem_channels=16,
        out_indices=(3, )),
    backbone_channels=128,
    grid_size=3,
    encoder=dict(hidden_size=64, num_layers=2, dropout=0.2))

# Random initialisation learns faster with a larger step than the paper's
# fine-tuning rate of 1e-5.
optim_wrapper = dict(optimizer=dict(lr=1e-3))
# The authors' plateau on the epoch's mean training loss, with a patience
# scaled to the 8-epoch schedule.
param_scheduler = [
    dict(
        type='TrainLossPlateauLR',
        monitor='loss',
        rule='less',
        factor=0.1,
        patience=3,
        by_epoch=True)
]
train_cfg = dict(max_epochs=8, val_interval=1)
default_hooks = dict(logger=dict(interval=5))
