# Your own thrombus data, converted to mmdsa's format (docs/own_data.md):
#   $MMDSA_DATA_ROOT/thrombus.json        a converter's output
#   $MMDSA_DATA_ROOT/thrombus_split.json  tools/misc/make_splits.py --method
#                                         chronological_kfold
# The folder is set once, by the environment variable MMDSA_DATA_ROOT
# (MMEngine's `{{$VAR:default}}`; default data/own/), e.g.
#   MMDSA_DATA_ROOT=data/own/ python tools/train.py CONFIG
# Pipelines, pair labels and exclusions are dsa_thrombus_512.py's (written
# once there); both views train one model (view=None), so the test reports
# PA, LAT and PA+LAT pair figures.
_base_ = ['./dsa_thrombus_512.py']

data_root = '{{$MMDSA_DATA_ROOT:data/own/}}'
view = None
train_dataloader = dict(dataset=dict(data_root=data_root, view=view))
val_dataloader = dict(dataset=dict(data_root=data_root, view=view))
test_dataloader = dict(dataset=dict(data_root=data_root, view=view))
del _base_._dataset
