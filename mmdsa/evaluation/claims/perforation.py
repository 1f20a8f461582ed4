"""The claims of Su et al. (vessel perforation detection), as data.

Su et al., Medical Image Analysis 2022, doi:10.1016/j.media.2022.102377.

Model names (what the study trains; ``+SO`` is the same model's
detections with the series trajectory optimiser, the plain name the
maximum box score):

- ``'Faster R-CNN'``, ``'Cascade R-CNN'``, ``'RN'`` (RetinaNet, DR-IoU),
  ``'RN+TCM'``, ``'RN+TAM'``, ``'RN+BiLSTM'``, ``'RN+BiGRU'`` (T = 5):
  Table 1;
- ``'RN+<neck> T=3'``: Table 2 (T = 1 is the single-frame RN);
- ``'RN-DIoU'`` (RetinaNet with the DIoU loss): Table 3;
- ``'RN+TCM@<p>%'``: RN+TCM trained on p % of the training series, Fig. 9
  (100 % is ``'RN+TCM'``);
- ``'median ensemble'``: the median of the four ST+SO models' series
  probabilities.
"""
from typing import List

from .claim import Claim

#: the paper, as the reports cite it
PAPER = 'Su et al., Medical Image Analysis 2022, ' \
    'doi:10.1016/j.media.2022.102377'

NECKS = ('RN+TCM', 'RN+TAM', 'RN+BiLSTM', 'RN+BiGRU')
#: the training-set fractions of the learning curve (Fig. 9), in percent
LEARNING_CURVE = (25, 50, 100)
# Table 1 of the paper (10-fold CV, mean of 5 runs)
TABLE1 = {
    'Faster R-CNN': dict(ap_cin=0.86, ar_cin=0.41, auprc=0.17, ap50=0.53,
                         ar50=0.26, auc=0.819),
    'Cascade R-CNN': dict(ap_cin=0.87, ar_cin=0.41, auprc=0.23, ap50=0.55,
                          ar50=0.26, sens95=0.56, auc=0.832),
    'RN': dict(ap_cin=0.88, ar_cin=0.45, auprc=0.50, ap50=0.57, ar50=0.29,
               sens95=0.59, auc=0.862),
    'RN+TCM': dict(ap_cin=0.84, ar_cin=0.60, auprc=0.52, ap50=0.54,
                   ar50=0.38, sens95=0.63, auc=0.900),
    'RN+TAM': dict(ap_cin=0.86, ar_cin=0.58, auprc=0.51, ap50=0.53,
                   ar50=0.36, sens95=0.63, auc=0.904),
    'RN+BiLSTM': dict(ap_cin=0.83, ar_cin=0.61, auprc=0.59, ap50=0.47,
                      ar50=0.34, sens95=0.62, auc=0.901),
    'RN+BiGRU': dict(ap_cin=0.85, ar_cin=0.58, auprc=0.52, ap50=0.53,
                     ar50=0.37, sens95=0.64, auc=0.900),
    'RN+TCM+SO': dict(ap_cin=0.82, ar_cin=0.69, auprc=0.63, ap50=0.48,
                      ar50=0.41, sens95=0.67, auc=0.906),
    'RN+TAM+SO': dict(ap_cin=0.84, ar_cin=0.69, auprc=0.63, ap50=0.49,
                      ar50=0.39, sens95=0.69, auc=0.911),
    'RN+BiLSTM+SO': dict(ap_cin=0.83, ar_cin=0.70, auprc=0.67, ap50=0.43,
                         ar50=0.37, sens95=0.67, auc=0.909),
    'RN+BiGRU+SO': dict(ap_cin=0.83, ar_cin=0.66, auprc=0.63, ap50=0.49,
                        ar50=0.39, sens95=0.66, auc=0.905),
    'median ensemble': dict(sens95=0.70, auc=0.929),
}
# Table 3 (ablation, AUC) and Table 2 (frames, AUC) of the paper
TABLE3_AUC = {'RN-DIoU': 0.855, 'RN': 0.862, 'RN+SO': 0.875,
              'RN+BiLSTM': 0.901, 'RN+BiLSTM+SO': 0.909}
TABLE2_AUC = {'T=1': 0.862, 'T=3': '0.875-0.892', 'T=5': '0.900-0.904'}
METRIC_WORDS = dict(auc='AUC', sens95='mSens95', ap_cin='AP_cin',
                    ar_cin='AR_cin', ap50='AP50', ar50='AR50',
                    auprc='AUPRC', youden_sens='sensitivity')


def _paper(models, metric, table=TABLE1):
    return {m: table[m][metric] for m in models
            if m in table and metric in table[m]}


def _claims() -> List[Claim]:
    c = []
    # RN > Cascade R-CNN > Faster R-CNN (Section 4 text: P < 0.001)
    for a, b in (('RN', 'Cascade R-CNN'), ('Cascade R-CNN', 'Faster R-CNN'),
                 ('RN', 'Faster R-CNN')):
        c.append(Claim(
            f'T1-spatial-auc-{a}>{b}', 'Table 1; Section 4',
            'RetinaNet outperformed Cascade R-CNN and Faster R-CNN '
            '(AUC 0.862 / 0.832 / 0.819, P < 0.001)', (a, b), 'auc', '>',
            _paper((a, b), 'auc')))
    for neck in NECKS:
        c.append(Claim(
            f'T1-st-auc-{neck}>RN', 'Table 1',
            'spatio-temporal models outperformed the spatial RetinaNet '
            '(AUC 0.900-0.904 vs 0.862)', (neck, 'RN'), 'auc', '>',
            _paper((neck, 'RN'), 'auc')))
    c.append(Claim(
        'T1-necks-no-difference', 'Section 4 text',
        'the four temporal modules did not differ significantly '
        '(ANOVA P = 0.986)', NECKS, 'auc', 'no difference',
        dict(_paper(NECKS, 'auc'), anova_p=0.986),
        reason='ANOVA over the seeds\' AUCs; equivalence margin 0.05 AUC'))
    for m in ('RN',) + NECKS:
        c.append(Claim(
            f'T1-so-auc-{m}', 'Table 1; Section 4 text',
            'SO raised the AUC by about 1 % (P < 0.001) for spatial and '
            'spatio-temporal models', (m + '+SO', m), 'auc', '>',
            _paper((m + '+SO', m), 'auc',
                   dict(TABLE1, **{'RN+SO': dict(auc=0.875)}))))
    for m in ('RN',) + NECKS:
        for metric in ('sens95', 'ar_cin', 'ar50', 'auprc'):
            c.append(Claim(
                f'T1-so-raises-{metric}-{m}', 'Table 1',
                f'SO raised {METRIC_WORDS[metric]} (Table 1, with vs '
                'without SO)', (m + '+SO', m), metric, '>',
                _paper((m + '+SO', m), metric)))
        for metric in ('ap_cin', 'ap50'):
            c.append(Claim(
                f'T1-so-lowers-{metric}-{m}', 'Table 1',
                f'SO lowered {METRIC_WORDS[metric]} (Table 1, with vs '
                'without SO)', (m, m + '+SO'), metric, '>',
                _paper((m, m + '+SO'), metric)))
    for neck in NECKS:
        for metric in ('ap_cin', 'ap50'):
            c.append(Claim(
                f'T1-rn-best-{metric}-{neck}', 'Table 1',
                f'RetinaNet had the highest {METRIC_WORDS[metric]} of all '
                'models', ('RN', neck), metric, '>',
                _paper(('RN', neck), metric)))
    for m in NECKS:
        for metric in ('auc', 'sens95'):
            c.append(Claim(
                f'T1-ensemble-{metric}-{m}+SO', 'Table 1; Section 4',
                'the median ensemble of the four ST+SO models performed '
                f'best ({METRIC_WORDS[metric]} '
                f"{TABLE1['median ensemble'][metric]})",
                ('median ensemble', m + '+SO'), metric, '>',
                _paper(('median ensemble', m + '+SO'), metric),
                reason='tested against every member, so no member is '
                'chosen'))
    for neck in NECKS:
        c.append(Claim(
            f'T2-frames-auc-{neck}-T5>T3', 'Table 2',
            'more frames gave better results (T = 5 > T = 3 > T = 1)',
            (neck, f'{neck} T=3'), 'auc', '>',
            {'T=5': TABLE2_AUC['T=5'], 'T=3': TABLE2_AUC['T=3']}))
        c.append(Claim(
            f'T2-frames-auc-{neck}-T3>T1', 'Table 2',
            'more frames gave better results (T = 5 > T = 3 > T = 1)',
            (f'{neck} T=3', 'RN'), 'auc', '>',
            {'T=3': TABLE2_AUC['T=3'], 'T=1': TABLE2_AUC['T=1']},
            reason='T = 1 is the single-frame RetinaNet'))
    steps = (('DR-IoU', 'RN', 'RN-DIoU'), ('SO', 'RN+SO', 'RN'),
             ('BiLSTM', 'RN+BiLSTM', 'RN'),
             ('BiLSTM+SO', 'RN+BiLSTM+SO', 'RN+BiLSTM'))
    for step, a, b in steps:
        for metric in ('auprc', 'sens95', 'auc'):
            c.append(Claim(
                f'T3-ablation-{metric}-{step}', 'Table 3',
                f'each added component raised {METRIC_WORDS[metric]} '
                '(DIoU -> DR-IoU -> +SO, +BiLSTM, all four)', (a, b),
                metric, '>',
                {a: TABLE3_AUC[a], b: TABLE3_AUC[b]} if metric == 'auc'
                else {}))
    for lo, hi in zip(LEARNING_CURVE, LEARNING_CURVE[1:]):
        big = 'RN+TCM+SO' if hi == 100 else f'RN+TCM@{hi}%+SO'
        for metric in ('auc', 'youden_sens'):
            c.append(Claim(
                f'F9-size-{metric}-{hi}>{lo}', 'Fig. 9',
                f'{METRIC_WORDS[metric]} grew with the size of the '
                'training set', (big, f'RN+TCM@{lo}%+SO'), metric, '>', {},
                reason='RN+TCM+SO at 25 / 50 / 100 % of the training '
                'series, equal iterations'))
    c.append(Claim(
        'S4-speed', 'Section 4', 'inference ran at more than 5 frames/s',
        ('RN+BiLSTM+SO', 'RN+BiLSTM+SO'), 'auc', '>=', {'fps': 5},
        testable=False,
        reason='a speed on the paper\'s GPU, not an ordering of models on '
        'data; see the series-inference benchmark in docs/benchmarks.md'))
    return c


#: the perforation ledger
PERFORATION_CLAIMS = tuple(_claims())
