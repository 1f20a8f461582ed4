# Your own perforation data, converted to mmdsa's format (docs/own_data.md):
#   $MMDSA_DATA_ROOT/perforation.json        a converter's output
#   $MMDSA_DATA_ROOT/perforation_split.json  tools/misc/make_splits.py
#                                            --method stratified_group_kfold
# The folder is set once, by the environment variable MMDSA_DATA_ROOT
# (MMEngine's `{{$VAR:default}}`; default data/own/), e.g.
#   MMDSA_DATA_ROOT=data/own/ python tools/train.py CONFIG
# Pipelines (T = 5 window, 640 px, the published augmentation) are
# dsa_perforation_640.py's, written once there.
_base_ = ['./dsa_perforation_640.py']

data_root = '{{$MMDSA_DATA_ROOT:data/own/}}'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
del _base_._dataset
