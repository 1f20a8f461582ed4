# Published detection schedule (Su et al., papers.md B): SGD momentum 0.9,
# weight decay 1e-4, base lr 5e-4 at batch 2, 1500-iteration warm-up, cosine
# annealing to 0.001 x base lr, 12 epochs. MMEngine has no exponential
# warm-up: a linear warm-up from 0.001 x over the same 1500 iterations stands
# in for it.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=5e-4, momentum=0.9, weight_decay=1e-4))

param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=1500),
    dict(
        type='CosineAnnealingLR',
        eta_min=5e-7,  # 0.001 x base lr
        begin=0,
        end=12,
        T_max=12,
        by_epoch=True,
        convert_to_iter_based=True)
]

auto_scale_lr = dict(enable=False, base_batch_size=2)
