# The 640 px perforation data with single-frame (T = 1) windows: the
# single-frame rows of Su et al. (papers.md B) load the key frame only.
# Everything but the window length comes from dsa_perforation_640.py.
_base_ = ['./dsa_perforation_640.py']

num_frames = 1
train_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    *_base_.train_pipeline[1:]
]
test_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    *_base_.test_pipeline[1:]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
