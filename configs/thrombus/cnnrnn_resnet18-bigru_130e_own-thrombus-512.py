# Starter config for your own thrombus data (docs/own_data.md): Mittmann et
# al.'s ResNet18+GRU recipe (512 px, AdamW 1e-5, 130 epochs, batch 1) on the
# converted folder named by MMDSA_DATA_ROOT, both views in one model.
# Folds: --cfg-options train_dataloader.dataset.fold=K
# val_dataloader.dataset.fold=K, or tools/run_cross_validation.py.
_base_ = [
    '../_base_/models/cnnrnn_resnet18-bigru_thrombus.py',
    '../_base_/datasets/own_thrombus_512.py',
    '../_base_/schedules/schedule_thrombus_adamw-plateau_130e.py'
]
