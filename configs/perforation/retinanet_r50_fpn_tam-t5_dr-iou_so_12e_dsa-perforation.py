# RN+TAM+SO: the RN+TAM detector evaluated with the series-level
# optimiser (best centre-in-linked trajectory, rescored to its mean score)
# before the series metrics (Su et al., papers.md B, Table 1).
_base_ = './retinanet_r50_fpn_tam-t5_dr-iou_12e_dsa-perforation.py'
val_evaluator = dict(
    type='SeriesDetectionMetric',
    post_processor=dict(type='TrajectoryOptimizer'))
test_evaluator = val_evaluator
