# Mittmann et al. (IJCARS 2022), Table 1 variant tf_EffNetV2-S+GRU, LAT view:
# the PA config's recipe. Paper (test set 1) MCC/AUC: 0.66/0.91.
_base_ = ['./cnnrnn_tf-efficientnetv2-s-bigru_130e_dsa-pa-512.py']
train_dataloader = dict(dataset=dict(view='LAT'))
val_dataloader = dict(dataset=dict(view='LAT'))
test_dataloader = dict(dataset=dict(view='LAT'))
