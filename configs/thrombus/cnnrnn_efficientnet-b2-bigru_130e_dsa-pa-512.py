# Mittmann et al. (IJCARS 2022), Table 1 variant EffNet-B2+GRU, PA view:
# 512 px, 130 epochs, AdamW 1e-5, batch 1.
# Paper (test set 1) MCC/AUC: 0.64/0.89.
# Folds: --cfg-options train_dataloader.dataset.fold=K
# val_dataloader.dataset.fold=K, or tools/run_cross_validation.py.
_base_ = [
    '../_base_/models/cnnrnn_resnet18-bigru_thrombus.py',
    '../_base_/datasets/dsa_thrombus_512.py',
    '../_base_/schedules/schedule_thrombus_adamw-plateau_130e.py'
]
# Pretrained weights (Table 1, pinned in issue 12): torchvision's
# IMAGENET1K_V1 weights (ported from timm's ra_in1k): exact.
# Stochastic depth 0.2 as torchvision's EfficientNet-B0..B3 (timm: 0).
model = dict(
    backbone=dict(model_name='efficientnet_b2.ra_in1k', drop_path_rate=0.2),
    backbone_channels=1408,
    grid_size=4)
