"""The claims ledgers' report: one format for both papers.

:func:`render_ledger` turns an evaluated ledger
(:func:`mmdsa.evaluation.claims.evaluate_ledger`) and the study's parts
into the report page and the analysis page (markdown); the study tools
only add their own sections (the perforation study's controlled check,
the thrombus study's :func:`level_check`) and write the files.
"""
import math
import time
from typing import Dict, List, Optional, Sequence, Tuple

from .explain import explain_claim
from .units import unit_metric

__all__ = ['VERDICT_ORDER', 'fmt', 'fmt_p', 'explain_failures',
           'render_ledger', 'level_check', 'SATURATED', 'CHANCE']

#: the verdicts in the order the report counts them
VERDICT_ORDER = ('reproduced', 'consistent', 'not reproduced',
                 'contradicted', 'not testable here', 'not run')
FAILED = ('not reproduced', 'contradicted')

#: a level where a model's test AUC reaches SATURATED is saturated (its
#: orderings tie at the ceiling); one at or below CHANCE sits at chance
SATURATED, CHANCE = 0.98, 0.6


def fmt(v, digits: int = 3) -> str:
    """A number for a table cell (``'-'`` for None / NaN)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return '-'
    return f'{v:.{digits}f}' if isinstance(v, float) else str(v)


def fmt_p(v) -> str:
    """A p value for a table cell, 3 significant digits."""
    return '-' if v is None or math.isnan(v) else f'{v:.3g}'


def _paper(claim: Dict) -> str:
    return ', '.join(f'{k} {v}' for k, v in claim['paper'].items()) or '-'


def explain_failures(ledger: Dict) -> Dict:
    """Add ``explanation`` (text and figures,
    :func:`mmdsa.evaluation.claims.explain_claim`) to every claim that is
    not reproduced or is contradicted; returns ``ledger``."""
    for c in ledger['claims']:
        if c['verdict'] in FAILED and 'explanation' not in c:
            c['explanation'] = explain_claim(c)
    return ledger


def _parts_table(parts: Dict[str, Dict]) -> List[str]:
    lines = ['## Parts', '', '| part | seeds | minutes | budget | quick |',
             '|---|---|---|---|---|']
    for name, data in parts.items():
        b = data['budget']
        iters = b.get('iterations_per_seed') or {}
        budget = [f"{', '.join(str(v) for v in iters.values())} iterations"
                  if iters else None,
                  f"{b['epochs']} epochs" if 'epochs' in b else None,
                  f"{b['folds']} folds" if 'folds' in b else None,
                  f"key-frame interval {b['key_frame_interval']}"
                  if 'key_frame_interval' in b else None,
                  f"batch {b['batch_size']}" if 'batch_size' in b else None,
                  f"{b['image_size']} px" if 'image_size' in b else None,
                  f"checkpoint: {b['checkpoint']}" if 'checkpoint' in b
                  else None]
        lines.append(f"| {name} | {data['seeds']} | {data['run_min']} | "
                     f"{', '.join(x for x in budget if x)} | "
                     f"{'yes' if data['quick'] else 'no'} |")
    return lines


def _claims_table(ledger: Dict) -> List[str]:
    lines = ['## Claims', '',
             '| id | statement | models | metric | paper | A | B | p | '
             'p_holm | p (seeds, paired t) | verdict |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    for c in ledger['claims']:
        sep = ', ' if c['direction'] == 'no difference' else ' vs '
        reason = f": {c['reason']}" if c['reason'] else ''
        lines.append(
            f"| {c['id']} | {c['statement']} ({c['source']}) | "
            f"{sep.join(c['models'])} ({c['direction']}) | {c['metric']} | "
            f"{_paper(c)} | {fmt(c['a'])} | {fmt(c['b'])} | "
            f"{fmt_p(c['p'])} | {fmt_p(c['p_holm'])} | "
            f"{fmt_p(c.get('p_seeds'))} | {c['verdict']}{reason} |")
    return lines


def _analysis(ledger: Dict, head: str, title: str) -> List[str]:
    lines = [head, f'# {title}: claims that do not hold', '',
             'Each claim below is read from its measurements: the seeds\' '
             'differences pooled with their standard errors, the smallest '
             'difference the study detects (80 % power), and the paper\'s '
             'own difference.', '']
    failed = [c for c in ledger['claims'] if c['verdict'] in FAILED]
    for c in failed:
        lines += [f"## {c['id']}: {c['verdict']}", '',
                  f"{c['statement']} ({c['source']}). Test: "
                  f"{c.get('test', '-')}; p {fmt_p(c['p'])}, p_holm "
                  f"{fmt_p(c['p_holm'])}.", '', c['explanation']['text'],
                  '']
        for i, s in enumerate(c.get('per_seed') or []):
            if isinstance(s, dict):
                lines.append(
                    f"- seed {i}: {c['models'][0]} {fmt(s['a'])}, "
                    f"{c['models'][1]} {fmt(s['b'])}, p {fmt_p(s['p'])}, "
                    f"{s['n_units']} units")
        lines.append('')
    if not failed:
        lines.append('Every tested claim holds or is consistent.')
    return lines


def render_ledger(ledger: Dict, parts: Dict[str, Dict], counts: Dict,
                  title: str, tool: str, analysis_name: str,
                  sections: Sequence[str] = ()) -> Tuple[str, str]:
    """The report page and the analysis page of a claims ledger.

    Args:
        ledger (dict): :func:`evaluate_ledger`'s result (failed claims get
            their explanation here when they lack one).
        parts (dict): part name -> its record (``seeds``, ``run_min``,
            ``budget``, ``quick``).
        counts (dict): :func:`verdict_counts` of the ledger.
        title (str): The report's title.
        tool (str): The command that writes the report (named in the
            pages' "do not edit" line).
        analysis_name (str): The analysis page's file name (linked).
        sections (Sequence[str]): Markdown sections of the tool's own,
            placed after the claims table.

    Returns:
        tuple[str, str]: The report and the analysis page (markdown).
    """
    explain_failures(ledger)
    count_text = ', '.join(f'{counts.get(k, 0)} {k}' for k in VERDICT_ORDER
                           if counts.get(k))
    head = (f'<!-- Written by `python {tool}` '
            f'({time.strftime("%Y-%m-%d")}); do not edit. -->')
    lines = [head, f'# {title}', '',
             f"{len(ledger['claims'])} claims of the paper: {count_text}.",
             '',
             'Each claim is tested with the paper\'s test (DeLong for AUC, '
             'a paired bootstrap over units for the other metrics, a one-way '
             'ANOVA with an equivalence test for "no difference"), the '
             "seeds' tests combined by Stouffer's method (p), Holm's "
             'correction over every tested claim (p_holm). Verdicts: '
             'reproduced (direction holds, p_holm < 0.05), consistent '
             '(holds, not significant), not reproduced (fails, not '
             'significant), contradicted (the opposite is significant). '
             'Synthetic data: absolute numbers are not comparable with the '
             "paper's.", '']
    lines += _parts_table(parts) + [''] + _claims_table(ledger)
    for section in sections:
        lines += ['', section.strip('\n')]
    lines += ['', 'Claims not reproduced or contradicted, with their '
              f'measurements per seed: [`{analysis_name}`]({analysis_name}).',
              '']
    analysis = _analysis(ledger, head, title)
    return '\n'.join(lines) + '\n', '\n'.join(analysis) + '\n'


def level_check(tables_per_seed: Sequence[Dict[str, Dict]],
                seeds: Sequence[int], levels: Sequence[str],
                site_key: str = 'site') -> Dict:
    """Whether a synthetic level neither saturates nor sits at chance.

    Args:
        tables_per_seed (Sequence[dict]): Per seed, model name -> unit
            table (:func:`mmdsa.evaluation.claims.pair_table`).
        seeds (Sequence[int]): The seeds, in the same order.
        levels (Sequence[str]): The synthetic level(s) the tables come from.
        site_key (str): The unit field that names a positive's site.

    Returns:
        dict: ``text`` (a markdown section) and ``figures`` (``'seed/model'``
        -> ``auc``, ``state`` (``'saturated'``, ``'at chance'`` or
        ``'informative'``), ``sites`` of the positives, ``n`` units).
    """
    figures, rows = {}, []
    for seed, tables in zip(seeds, tables_per_seed):
        for name, table in sorted(tables.items()):
            units = list(table.values())
            auc = unit_metric(units, 'auc')
            sites = sorted({str(u.get(site_key)) for u in units
                            if u['label'] == 1})
            state = 'saturated' if auc >= SATURATED else \
                'at chance' if auc <= CHANCE else 'informative'
            figures[f'{seed}/{name}'] = dict(auc=auc, state=state,
                                            sites=sites, n=len(units))
            rows.append(f'| {seed} | {name} | {len(units)} | {auc:.3f} | '
                        f"{state} | {', '.join(sites)} |")
    text = ['## Level check', '',
            f'Synthetic level(s) {sorted(levels)}: each model\'s test AUC (a '
            f'level is informative when it lies between {CHANCE} and '
            f'{SATURATED}; at the ceiling every ordering ties) and the '
            'sites of the positive test units.', '',
            '| seed | model | test units | AUC | state | sites of the '
            'positives |', '|---|---|---|---|---|---|'] + rows
    return dict(text='\n'.join(text) + '\n', figures=figures)


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[object]]) -> str:
    """A markdown table (cells formatted with :func:`fmt`)."""
    out = ['| ' + ' | '.join(header) + ' |',
           '|' + '---|' * len(header)]
    out += ['| ' + ' | '.join(fmt(c) for c in r) + ' |' for r in rows]
    return '\n'.join(out)


def optional(value: Optional[float], digits: int = 2) -> str:
    """A general-format number (``'-'`` for None)."""
    return '-' if value is None else f'{value:.{digits}g}'
