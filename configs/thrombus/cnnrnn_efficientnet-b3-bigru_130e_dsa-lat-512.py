# Mittmann et al. (IJCARS 2022), Table 1 variant EffNet-B3+GRU, LAT view:
# the PA config's recipe. Paper (test set 1) MCC/AUC: 0.61/0.90.
_base_ = ['./cnnrnn_efficientnet-b3-bigru_130e_dsa-pa-512.py']
train_dataloader = dict(dataset=dict(view='LAT'))
val_dataloader = dict(dataset=dict(view='LAT'))
test_dataloader = dict(dataset=dict(view='LAT'))
