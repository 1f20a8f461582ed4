"""Training curves from MMEngine's ``vis_data/scalars.json`` (one JSON
object per line: training lines carry ``iter``/``lr``/``loss``..., with
``step`` = iteration; validation lines carry the metrics with ``step`` =
epoch, or iteration for iteration-based loops)."""
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

from .output import save_figure

#: Validation keys plotted by default when present.
DEFAULT_VAL_KEYS = ('auc', 'mcc', 'pair/auc', 'so/auc', 'so/ap50',
                    'so/ap_cin', 'max/auc', 'ap50')
_BOOKKEEPING = ('epoch', 'iter', 'step', 'time', 'data_time', 'memory')


def scalar_files(path: str) -> List[str]:
    """The scalars files of a work dir (every run, oldest first: a resumed
    run continues in a new timestamped folder) or ``[path]`` for a file.

    Raises:
        FileNotFoundError: Neither a scalars file nor a work dir with one.
    """
    if osp.isfile(path):
        return [path]
    files = sorted(glob.glob(osp.join(path, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'{path}: expected a scalars.json or a work dir with '
            '<timestamp>/vis_data/scalars.json, found none')
    return files


def load_scalars(path: str) -> Dict[str, List[Dict]]:
    """Training and validation records of a work dir or scalars file.

    Returns:
        dict: ``train`` and ``val`` lists of records, sorted by ``step``;
        when runs overlap (resume) the later run's record wins.

    Raises:
        ValueError: A line is not a JSON object (file and line named).
    """
    out: Dict[str, Dict[int, Dict]] = dict(train={}, val={})
    for file in scalar_files(path):
        with open(file) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{file}: line {n}: expected a JSON '
                                     f'object, got {line[:60]!r}: {err}')
                if not isinstance(rec, dict) or 'step' not in rec:
                    raise ValueError(f'{file}: line {n}: expected an object '
                                     f'with "step", got {line[:60]!r}')
                kind = 'train' if ('iter' in rec or 'lr' in rec) else 'val'
                out[kind][int(rec['step'])] = rec
    return {k: [v[s] for s in sorted(v)] for k, v in out.items()}


def default_keys(scalars: Dict[str, List[Dict]]) -> List[str]:
    """``loss`` (and its parts), ``lr`` and the present default metrics."""
    train = {k for r in scalars['train'] for k in r}
    val = {k for r in scalars['val'] for k in r}
    keys = sorted(k for k in train if k.startswith('loss'))
    keys += [k for k in ('lr', ) if k in train]
    keys += [k for k in DEFAULT_VAL_KEYS if k in val]
    return keys


def plot_training_curves(logs: Sequence[str], out_file: str,
                         keys: Optional[Sequence[str]] = None,
                         legend: Optional[Sequence[str]] = None,
                         title: str = '') -> str:
    """One panel per key, one line per log.

    Args:
        logs (list[str]): Work dirs or scalars files.
        out_file (str): Destination image (PNG/PDF/SVG by extension).
        keys (list[str], optional): Keys to plot; default
            :func:`default_keys` of the first log.
        legend (list[str], optional): One name per log (default: the
            paths).
        title (str): Figure title.

    Returns:
        str: ``out_file``.

    Raises:
        ValueError: A key is in none of the logs, or legend / logs differ in
            length.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    runs = [load_scalars(p) for p in logs]
    legend = list(legend) if legend else list(logs)
    if len(legend) != len(runs):
        raise ValueError(f'--legend: expected {len(runs)} names (one per '
                         f'log), got {len(legend)}')
    keys = list(keys) if keys else default_keys(runs[0])
    found = {k for run in runs for recs in run.values() for r in recs
             for k in r}
    missing = [k for k in keys if k not in found]
    if missing or not keys:
        avail = sorted(found - set(_BOOKKEEPING))
        raise ValueError(f'{logs[0]}: keys {missing or keys} not in the '
                         f'logs; available: {avail}')
    cols = min(len(keys), 3)
    rows = -(-len(keys) // cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False,
                             figsize=(4.2 * cols, 3.0 * rows))
    for ax in axes.ravel()[len(keys):]:
        ax.axis('off')
    for ax, key in zip(axes.ravel(), keys):
        for run, name in zip(runs, legend):
            for kind in ('train', 'val'):
                recs = [r for r in run[kind] if key in r]
                if not recs:
                    continue
                x = [r['step'] for r in recs]
                y = [r[key] for r in recs]
                ax.plot(x, y, marker='o' if kind == 'val' or len(x) < 30
                        else None, ms=3, lw=1.2, label=name)
                ax.set_xlabel('iteration' if kind == 'train' else
                              'epoch (validation)')
        ax.set_title(key, fontsize=9)
        ax.grid(alpha=0.3)
        if len(runs) > 1:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    try:
        return save_figure(fig, out_file)
    finally:
        plt.close(fig)


def train_time(path: str) -> Dict:
    """Mean seconds per iteration overall and per epoch (mmdet's
    ``cal_train_time``): ``mean``, ``slowest_epoch``, ``fastest_epoch``,
    ``std_over_epochs``, ``per_epoch``."""
    import numpy as np
    recs = [r for r in load_scalars(path)['train'] if 'time' in r]
    if not recs:
        raise ValueError(f'{path}: no training records with "time"')
    epochs: Dict[int, List[float]] = {}
    for r in recs:
        epochs.setdefault(int(r.get('epoch', 0)), []).append(r['time'])
    per_epoch = {e: float(np.mean(v)) for e, v in sorted(epochs.items())}
    values = np.array(list(per_epoch.values()))
    return dict(mean=float(np.mean([r['time'] for r in recs])),
                slowest_epoch=max(per_epoch, key=per_epoch.get),
                fastest_epoch=min(per_epoch, key=per_epoch.get),
                std_over_epochs=float(values.std()), per_epoch=per_epoch)
