# Synthetic thrombus series (CPU scale), generated on first use under
# data/synthetic/thrombus (mmdsa.synth.ensure_synthetic_dataset).
dataset_type = 'DSAClassificationDataset'
data_root = 'data/synthetic/thrombus/'
image_size = 128
batch_size = 2
num_workers = 0
# Patient-disjoint train / val / test sets: three synthetic sets with
# different seeds (independent patients), each generated on first use.
synthetic = dict(num_pairs=24, image_size=image_size, num_frames=(6, 12))
synthetic_val = dict(synthetic, num_pairs=12)


# The augmentation of dsa_thrombus_512.py (the authors' magnitudes) with a
# mid-grey border (these frames are min-max scaled, background ~128).
train_pipeline = [
    dict(type='LoadDSASeries', intensity='minmax', resize=image_size),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.RandomFlip', prob=0.5, direction='vertical'),
        dict(type='ShiftScaleRotate', shift_limit=0.15, scale_limit=(0, 0.1),
             rotate_limit=20, prob=1.0, border_val=128),
        dict(type='RandomContrast', contrast_range=(0.8, 1.2),
             brightness_range=(-0.2, 0.2), brightness_mode='mean',
             prob=0.2),
        dict(type='RandomBlur', mode='median', kernel_sizes=(3, ), prob=0.5),
        dict(type='RandomOneOf', prob=0.5, weights=[0.2, 0.3], transforms=[
            dict(type='RandomNoise', mode='multiplicative',
                 strength_range=(0.1, 0.1), prob=1.0),
            dict(type='RandomDownscale', scale_range=(0.5, 0.5), prob=1.0)]),
    ]),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSAClassificationInputs'),
]
test_pipeline = [
    dict(type='LoadDSASeries', intensity='minmax', resize=image_size),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSAClassificationInputs'),
]

train_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + 'train/',
                 ann_file='thrombus.json', synthetic=dict(synthetic, seed=0),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + 'val/',
                 ann_file='thrombus.json',
                 synthetic=dict(synthetic_val, seed=1),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], data_root=data_root + 'test/',
                 synthetic=dict(synthetic_val, seed=2)))
val_evaluator = dict(type='SeriesClassificationMetric')
test_evaluator = val_evaluator
