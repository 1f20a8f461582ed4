# Mittmann et al. (IJCARS 2022), Table 1 variant EffNet-B1+GRU, LAT view:
# the PA config's recipe. Paper (test set 1) MCC/AUC: 0.66/0.87.
_base_ = ['./cnnrnn_efficientnet-b1-bigru_130e_dsa-pa-512.py']
train_dataloader = dict(dataset=dict(view='LAT'))
val_dataloader = dict(dataset=dict(view='LAT'))
test_dataloader = dict(dataset=dict(view='LAT'))
