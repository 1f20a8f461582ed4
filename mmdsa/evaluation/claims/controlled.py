"""The controlled temporal check of the perforation study: its targets, the
reading of each model's result, and its report section.

On the controlled synthetic level perforations and mimics are visible in
the same number of frames and differ only in how they evolve
(:func:`mmdsa.synth.mimics.controlled_profiles`). A single-frame detector
should stay near chance there and every temporal neck well above it.

A result of a model is a dict with:

- ``auc`` (float): series AUC (max-score rule) on the test split;
- ``train_auc`` (float | None): the same on its own training series;
- for a neck, the measurements of
  :func:`mmdsa.models.necks.diagnostics.temporal_neck_diagnostics` at
  initialisation (``order_sensitivity``, ``output_scale``) and
  ``order_invariant`` (bool, from ``is_order_invariant``), which the
  caller adds (this module imports nothing from ``mmdsa.models``).
"""
from typing import Dict, Optional, Sequence

from .report import fmt, markdown_table, optional

CONTROLLED_TARGETS = dict(single_frame_max=0.65, temporal_min=0.85)
SINGLE_FRAME = 'RN'


def target_met(name: str, auc: float) -> bool:
    """Whether a model's series AUC meets its target: at most
    ``single_frame_max`` for the single-frame detector (``'RN'``), at least
    ``temporal_min`` for every neck."""
    if name == SINGLE_FRAME:
        return bool(auc <= CONTROLLED_TARGETS['single_frame_max'])
    return bool(auc >= CONTROLLED_TARGETS['temporal_min'])


def controlled_entry(name: str, auc: float, seed: int,
                     train_auc: Optional[float] = None,
                     diagnostics: Optional[Dict] = None,
                     ci: Optional[Sequence[float]] = None) -> Dict:
    """One model's result of the check (see the module doc); ``ci``: the
    test AUC's 95 % interval (percentile bootstrap over series), kept as
    ``auc_ci``."""
    return dict(auc=auc, target_met=target_met(name, auc), seed=int(seed),
                auc_ci=None if ci is None else [float(v) for v in ci],
                train_auc=train_auc, **(diagnostics or {}))


def controlled_reading(name: str, res: Dict) -> str:
    """One sentence on a model's result: met, or what its failure is due to
    (a neck blind to the order of the frames; not fitting its training
    series at this budget; or fitting them without generalising)."""
    target = CONTROLLED_TARGETS['temporal_min']
    if name == SINGLE_FRAME or res['target_met']:
        return 'target met' if res['target_met'] else \
            'single frames separate the classes more than designed'
    text = ''
    if res.get('order_invariant'):
        text = ('its output does not change when its window is reversed in '
                f"time (relative change {res['order_sensitivity']:.1e}), so "
                'the order of the frames, the difference the check is built '
                'on, is invisible to it; ')
    train = res.get('train_auc')
    if train is None:
        return text + 'below target; not tested on its training series yet'
    if train >= target:
        return text + (f'below target on the test series but {fmt(train)} '
                       'on its own training series: it fits its training '
                       'series and does not generalise from them')
    text += (f'below target on its own training series too ({fmt(train)}): '
             'it does not fit them at this budget')
    if res.get('output_scale') is not None:
        text += (f"; at initialisation it passes {res['output_scale']:.2f} "
                 "of its input features' scale to the head")
    return text


def controlled_section(controlled: Dict[str, Dict],
                       budget: Optional[str] = None) -> str:
    """The check's section of a report (markdown).

    Args:
        controlled (dict): model name -> result (:func:`controlled_entry`).
        budget (str | None): a sentence on the training budget.
    """
    def interval(ci):
        return '-' if ci is None else f'{fmt(ci[0])}-{fmt(ci[1])}'

    rows = [(k, v['auc'], interval(v.get('auc_ci')),
             'yes' if v['target_met'] else 'no',
             v.get('train_auc'), optional(v.get('order_sensitivity')),
             fmt(v.get('output_scale'), 2), controlled_reading(k, v))
            for k, v in controlled.items()]
    return '\n'.join([
        '## Controlled temporal check', '',
        'Perforations and mimics visible in the same number of frames, '
        'different only in how they evolve. Targets: single-frame RN AUC '
        f"<= {CONTROLLED_TARGETS['single_frame_max']}, every neck >= "
        f"{CONTROLLED_TARGETS['temporal_min']}."
        + (f' {budget}' if budget else ''), '',
        "Each neck is also measured at initialisation: how much its key-frame"
        ' output changes when its window is reversed in time (order '
        'sensitivity; 0: it cannot see the order of the frames) and its '
        "output's scale relative to its input features "
        '(`mmdsa.models.necks.diagnostics`).', '',
        markdown_table(('model', 'series AUC (max score)',
                        '95 % CI (bootstrap over series)', 'target met',
                        'AUC on its training series', 'order sensitivity',
                        'output scale', 'reading'), rows)])
