"""The claims of Mittmann et al. (thrombus classification), as data.

Mittmann et al., International Journal of Computer Assisted Radiology and
Surgery (IJCARS) 2022, doi:10.1007/s11548-022-02654-8. The occlusion-site
figures come from the external validation of the same model.

Model names (pair-level tables, one row per PA+LAT test pair):

- ``'<network> PA'`` / ``'<network> LAT'``: one view's model (the fold
  ensemble of that view) scoring the pair; ``'<network> PA+LAT'``: the
  mean of both views;
- ``'ensemble 2 PA + 2 LAT'``: the mean of two PA and two LAT models,
  chosen on validation; ``'best single-network pair'``: the network whose
  PA+LAT pair scored best on validation.

Networks trained here (from random initialisation, tiny, CPU scale):
``'ResNet18+GRU'`` and ``'ResNet18+LSTM'``. The paper's LSTM-vs-GRU
comparison uses EfficientNet-B0; the same question (same backbone, GRU or
LSTM) is asked here with the tiny ResNet18.
"""
from typing import List

from mmdsa.structures import PAIR_VIEWS
from .claim import Claim

#: the paper, as the reports cite it
PAPER = 'Mittmann et al., IJCARS 2022, doi:10.1007/s11548-022-02654-8'

GRU = 'ResNet18+GRU'
LSTM = 'ResNet18+LSTM'
NETWORKS = (GRU, LSTM)
ENSEMBLE = 'ensemble 2 PA + 2 LAT'
BEST_PAIR = 'best single-network pair'
#: occlusion sites of the subgroup claim (``OCCLUSION_LEVELS``)
PROXIMAL = ('M1', 'M2')
DISTAL = ('M3', 'M4+')
NO_IMAGENET = ('needs ImageNet-pretrained backbones (Table 1 fine-tunes '
               'them), which cannot be downloaded here; random '
               'initialisation would test a different claim')


def _claims() -> List[Claim]:
    c = []
    paper = {'auc': {'PA+LAT': 0.92, 'PA': 0.90, 'LAT': 0.88},
             'mcc': {'PA+LAT': 0.58, 'PA': 0.58, 'LAT': 0.54}}
    for metric in ('auc', 'mcc'):
        for view in PAIR_VIEWS:
            c.append(Claim(
                f'T2-views-{metric}-PA+LAT>={view}', 'Table 2',
                'combining both views (PA+LAT) performed at least as well '
                'as a single view (10 of 11 networks)',
                (f'{GRU} PA+LAT', f'{GRU} {view}'), metric, '>=',
                {'ResNet18+GRU PA+LAT': paper[metric]['PA+LAT'],
                 f'ResNet18+GRU {view}': paper[metric][view]},
                reason='MCC at each model\'s validation operating point'))
    for metric, pv in (('mcc', (0.77, 0.73)), ('auc', (0.94, 0.94))):
        c.append(Claim(
            f'S3-ensemble-{metric}', 'Section 3; Table 2',
            'the ensemble of two PA and two LAT networks outperformed the '
            'best single network pair (MCC 0.77 vs 0.73, AUC 0.94 vs 0.94)',
            (ENSEMBLE, BEST_PAIR), metric,
            '>' if metric == 'mcc' else '>=',
            {ENSEMBLE: pv[0], BEST_PAIR: pv[1]},
            reason='members and the best pair chosen on validation here; '
            'the paper chose them on the test set'))
    for metric, pv in (('mcc', (0.73, 0.63)), ('auc', (0.94, 0.91))):
        c.append(Claim(
            f'T2-lstm-ge-gru-{metric}', 'Table 2',
            'LSTM performed at least as well as GRU with the same backbone '
            '(EfficientNet-B0 pair: MCC 0.73 vs 0.63, AUC 0.94 vs 0.91)',
            (f'{LSTM} PA+LAT', f'{GRU} PA+LAT'), metric, '>=',
            {'EfficientNet-B0+LSTM PA+LAT': pv[0],
             'EfficientNet-B0+GRU PA+LAT': pv[1]},
            reason='same tiny ResNet18 backbone for both here'))
    c.append(Claim(
        'EV-site-sens-M1M2>M3M4', 'external validation of the same model',
        'sensitivity 0.876 for M1/M2 against 0.231 for M3/M4 occlusions '
        '(specificity 0.898)', (f'{GRU} PA+LAT', f'{GRU} PA+LAT'), 'sens',
        '>', {'M1/M2': 0.876, 'M3/M4': 0.231, 'specificity': 0.898},
        subgroups=(PROXIMAL, DISTAL),
        reason='at the validation operating point; Wilson intervals per '
        'site'))
    c.append(Claim(
        'S3-testsets-1>2', 'Section 3',
        'test set 1 gave better results than test set 2 (MCC / AUC 0.77 / '
        '0.94 vs 0.69 / 0.91)', (f'{ENSEMBLE} [test set 1]',
                                 f'{ENSEMBLE} [test set 2]'), 'auc', '>',
        {'test set 1': 0.94, 'test set 2': 0.91}, testable=False,
        reason='test set 2 differs from test set 1 by the paper\'s '
        'exclusion criteria (image quality, incomplete series); the '
        'synthetic generator draws every pair from one distribution with '
        'no such flags, so a second test set would differ by chance only'))
    for view, best in zip(PAIR_VIEWS, ('tf_EfficientNetV2-S+GRU (MCC 0.65)',
                                       'EfficientNet-B0+LSTM (MCC 0.68)')):
        c.append(Claim(
            f'T1-backbones-{view}', 'Tables 1 and 2',
            f'backbone ranking of the single {view} view: best {best}',
            (f'best {view} backbone', f'other {view} backbones'), 'mcc',
            '>', {}, testable=False, reason=NO_IMAGENET))
    c.append(Claim(
        'T1-backbones-pair', 'Table 2',
        'backbone ranking of the PA+LAT pair: best EfficientNet-B0+LSTM '
        '(MCC 0.73, AUC 0.94)', ('EfficientNet-B0+LSTM PA+LAT',
                                 'other PA+LAT networks'), 'mcc', '>', {},
        testable=False, reason=NO_IMAGENET))
    return c


#: the thrombus ledger
THROMBUS_CLAIMS = tuple(_claims())
