# Mittmann et al. (IJCARS 2022), Table 1 variant rw_EffNetV2-S+GRU, PA view:
# 512 px, 130 epochs, AdamW 1e-5, batch 1.
# Paper (test set 1) MCC/AUC: 0.37/0.83.
# Folds: --cfg-options train_dataloader.dataset.fold=K
# val_dataloader.dataset.fold=K, or tools/run_cross_validation.py.
_base_ = [
    '../_base_/models/cnnrnn_resnet18-bigru_thrombus.py',
    '../_base_/datasets/dsa_thrombus_512.py',
    '../_base_/schedules/schedule_thrombus_adamw-plateau_130e.py'
]
# Pretrained weights (Table 1, pinned in issue 12): timm's only weights,
# which the authors loaded: exact.
model = dict(
    backbone=dict(model_name='efficientnetv2_rw_s.ra2_in1k'),
    backbone_channels=1792,
    grid_size=4)
