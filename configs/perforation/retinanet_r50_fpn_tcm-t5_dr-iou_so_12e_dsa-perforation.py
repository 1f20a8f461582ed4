# RN+TCM+SO: the RN+TCM detector evaluated with the series-level
# optimiser (best centre-in-linked trajectory, rescored to its mean score)
# before the series metrics (Su et al., papers.md B, Table 1).
_base_ = './retinanet_r50_fpn_tcm-t5_dr-iou_12e_dsa-perforation.py'
# The model owns its series post-processor (its minimum box score is the
# detector's test score_thr, 0.05); SeriesDetectionMetric applies it.
model = dict(series_post_processor=dict(type='TrajectoryOptimizer'))
