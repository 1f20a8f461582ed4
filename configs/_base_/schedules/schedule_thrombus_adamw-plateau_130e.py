# Training recipe of Mittmann et al. (IJCARS 2022), papers.md section A:
# AdamW lr 1e-5, weight decay 1e-2, ReduceLROnPlateau factor 0.1, 130 epochs,
# batch size 1 (set in the dataset config), best checkpoint by validation MCC.
# Mixed precision on a GPU: `python tools/train.py CONFIG --amp` switches the
# wrapper to AmpOptimWrapper.
# Includes the default runtime so that it can set the best-MCC checkpoint.
_base_ = ['../default_runtime.py']

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-5, weight_decay=1e-2))

# The authors' plateau patience is 20 epochs. MMEngine's plateau scheduler
# monitors a validation metric: MCC at threshold 0.5 (rule 'greater').
param_scheduler = [
    dict(
        type='ReduceOnPlateauLR',
        monitor='mcc',
        rule='greater',
        factor=0.1,
        patience=20,
        by_epoch=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=130, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# Keep the latest and the best-MCC checkpoint (the authors keep last + best).
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best='mcc',
        rule='greater'))
