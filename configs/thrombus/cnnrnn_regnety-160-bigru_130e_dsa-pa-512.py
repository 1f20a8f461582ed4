# Mittmann et al. (IJCARS 2022), Table 1 variant RegNetY-16GF+GRU, PA view:
# 512 px, 130 epochs, AdamW 1e-5, batch 1.
# Paper (test set 1) MCC/AUC: 0.59/0.89.
# Folds: --cfg-options train_dataloader.dataset.fold=K
# val_dataloader.dataset.fold=K, or tools/run_cross_validation.py.
_base_ = [
    '../_base_/models/cnnrnn_resnet18-bigru_thrombus.py',
    '../_base_/datasets/dsa_thrombus_512.py',
    '../_base_/schedules/schedule_thrombus_adamw-plateau_130e.py'
]
# Pretrained weights (Table 1, pinned in issue 12): NO exact match: the
# authors loaded torchvision's IMAGENET1K_V1 RegNetY-16GF weights, which
# timm does not carry; tv2_in1k is torchvision's IMAGENET1K_V2 of the same
# architecture (the nearest tag).
model = dict(
    backbone=dict(model_name='regnety_160.tv2_in1k'),
    backbone_channels=3024,
    grid_size=3)
