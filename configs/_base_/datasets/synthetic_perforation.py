# Synthetic perforation series (CPU scale), generated on first use under
# data/synthetic/perforation. The pipelines are dsa_perforation_640.py's
# (written once there) at 128 px: only the resize scale changes. Window
# length T = `num_frames` (5); a config with another T sets `num_frames` and
# rebuilds the pipelines from it, e.g.
#   train_pipeline = [dict(type='LoadDSAWindow', num_frames=num_frames),
#                     *_base_.train_pipeline[1:]]
# (see configs/perforation/retinanet_r18-tiny_fpn_tcm-t5_*.py).
_base_ = ['./dsa_perforation_640.py']

data_root = 'data/synthetic/perforation/'
image_size = 128
num_workers = 0
# Patient-disjoint train / val / test sets: three synthetic sets with
# different seeds (independent patients), each generated on first use.
synthetic = dict(num_series=16, image_size=image_size, num_frames=(6, 12))
synthetic_val = dict(synthetic, num_series=8)

# The base's pipelines with `mmdet.Resize` at image_size (the first
# transform of `BroadcastFrames`, step 2 of both pipelines).
train_pipeline, test_pipeline = ([
    *pipeline[:2],
    dict(pipeline[2], transforms=[
        dict(pipeline[2].transforms[0], scale=(image_size, image_size)),
        *pipeline[2].transforms[1:]]),
    *pipeline[3:]
] for pipeline in (_base_.train_pipeline, _base_.test_pipeline))

_loader = dict(_delete_=True, batch_size=_base_.batch_size,
               num_workers=num_workers, persistent_workers=False)
_dataset = dict(type=_base_.dataset_type, ann_file=_base_.ann_file)
train_dataloader = dict(
    _loader, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, data_root=data_root + 'train/',
                 synthetic=dict(synthetic, seed=0),
                 key_frame_interval=1, pipeline=train_pipeline))
val_dataloader = dict(
    _loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, data_root=data_root + 'val/',
                 synthetic=dict(synthetic_val, seed=1),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], data_root=data_root + 'test/',
                 synthetic=dict(synthetic_val, seed=2)))
del _loader, _dataset, _base_._dataset, _base_.ann_file, _base_.split_file
del _base_.fold
