# Runtime shared by every mmdsa config.
default_scope = 'mmdsa'
custom_imports = dict(imports=['mmdsa'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # MMEngine's CheckpointHook, saving atomically and deleting old
    # checkpoints only after the new one is in place (docs/guarantees.md)
    checkpoint=dict(type='AtomicCheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Python/numpy/torch/worker streams re-seeded from (seed, epoch, rank) at
    # each epoch, so that a resumed run is bit-identical (docs/guarantees.md)
    epoch_seed=dict(type='EpochSeedHook'),
    # load_from / resume read with mmdsa's safe loader (weights_only=True,
    # MMEngine's types allowed while loading); nothing else is changed
    safe_load=dict(type='SafeCheckpointLoaderHook'),
    # a NaN / Inf loss or weight stops the run; never saved as a checkpoint
    finite_guard=dict(type='NonFiniteGuardHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # gloo works on CPU-only machines; tools/train.py switches to nccl when
    # CUDA is available (see docs/distributed.md).
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
# TensorBoard: uncomment (needs `pip install -r requirements/optional.txt`);
# curves without it: tools/analysis_tools/analyze_logs.py plot_curve WORK_DIR
# vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]  # noqa: E501
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
