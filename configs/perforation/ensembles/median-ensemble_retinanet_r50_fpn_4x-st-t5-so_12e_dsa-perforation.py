# Median ensemble of the four spatio-temporal RetinaNets with the series
# optimiser (RN+TCM+SO, RN+TAM+SO, RN+BiLSTM+SO, RN+BiGRU+SO): per series,
# the median of the four models' series probabilities (Su et al., papers.md
# B, Table 1 last row: mSens95 0.70, AUC 0.929).
#
#   python tools/analysis_tools/ensemble_predictions.py --config THIS_FILE \
#       --pred-dir DIR --out ensemble.json
#
# reads DIR/<member config name>.json (each member's prediction file, e.g.
# the pooled out-of-fold predictions of tools/run_cross_validation.py).
ensemble = dict(
    method='median',
    members=[
        '../retinanet_r50_fpn_tcm-t5_dr-iou_so_12e_dsa-perforation.py',
        '../retinanet_r50_fpn_tam-t5_dr-iou_so_12e_dsa-perforation.py',
        '../retinanet_r50_fpn_bilstm-t5_dr-iou_so_12e_dsa-perforation.py',
        '../retinanet_r50_fpn_bigru-t5_dr-iou_so_12e_dsa-perforation.py',
    ])
