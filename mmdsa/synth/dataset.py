"""Synthetic data sets: thrombus PA+LAT pairs and perforation series.

Each series ``i`` draws from its own random stream
``SeedSequence([seed, task_code, i])``, so the output does not depend on
``workers`` and is byte-for-byte reproducible from ``seed``.
"""
import datetime
import inspect
import json
import multiprocessing
import os
import os.path as osp
import shutil

import numpy as np

from .annotations import (classification_entry, classification_file,
                          detection_file, write_json_atomic)
from .dicom_writer import synthetic_uid, write_xa_dicom
from .pathology import check_difficulty
from .simulate import simulate_pair

GENERATOR_VERSION = 1
PARAMS_FILE = 'synth_params.json'
_TASK_CODES = {'thrombus': 1, 'perforation': 2}
_BASE_TIME = datetime.datetime(2023, 1, 2, 8, 0, 0)
WINDOW = (1800.0, 2400.0)


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < low or (high is not None and value > high):
        rng = f'>= {low}' if high is None else f'in [{low}, {high}]'
        raise ValueError(f'{name}: expected an int {rng}, got {value!r}')
    return int(value)


def check_common(seed, image_size, num_frames, positive_fraction, difficulty,
                 workers):
    """Validate the arguments shared by both generators.

    Returns:
        tuple[int, int]: the (min, max) number of frames.
    """
    _check_int('seed', seed, 0)
    _check_int('image_size', image_size, 32, 4096)
    if isinstance(num_frames, (int, np.integer)) and \
            not isinstance(num_frames, bool):
        num_frames = (num_frames, num_frames)
    if not isinstance(num_frames, (tuple, list)) or len(num_frames) != 2:
        raise ValueError(f'num_frames: expected an int or a (min, max) pair, '
                         f'got {num_frames!r}')
    lo = _check_int('num_frames[0]', num_frames[0], 3, 64)
    hi = _check_int('num_frames[1]', num_frames[1], lo, 64)
    if isinstance(positive_fraction, bool) or not isinstance(
            positive_fraction, (int, float)) or not 0 <= positive_fraction <= 1:
        raise ValueError(f'positive_fraction: expected a number in [0, 1], '
                         f'got {positive_fraction!r}')
    check_difficulty(difficulty)
    _check_int('workers', workers, 0)
    return lo, hi


def _plan(seed, task, count, frames_range, positive_fraction):
    """Labels, frame counts and acquisition times of every unit."""
    rng = np.random.default_rng(np.random.SeedSequence(
        [seed, _TASK_CODES[task], 0xC0FFEE]))
    n_pos = int(round(count * positive_fraction))
    labels = np.zeros(count, int)
    labels[rng.permutation(count)[:n_pos]] = 1
    n_frames = rng.integers(frames_range[0], frames_range[1] + 1, count)
    gaps = np.round(rng.uniform(3 * 60, 48 * 60, count))   # minutes
    starts = [_BASE_TIME + datetime.timedelta(minutes=float(m))
              for m in np.cumsum(gaps)]
    views = rng.choice(['PA', 'LAT'], count)
    return labels, n_frames, starts, views


def _names(i, count):
    width = max(4, len(str(count)))
    return f'S{i + 1:0{width}d}', f'P{i + 1:0{width}d}'


def _thrombus_job(job):
    out_dir, i, count, seed, label, t, start, size, difficulty = job
    pair_id, patient_id = _names(i, count)
    ss = np.random.SeedSequence([seed, _TASK_CODES['thrombus'], i])
    sims = simulate_pair(ss, 'thrombus' if label else None, difficulty, size,
                         int(t))
    study = synthetic_uid(seed, 'thrombus', pair_id, 'study')
    entries = []
    for k, (view, sim) in enumerate(sims.items()):
        sid = f'{pair_id}_{view}'
        rel = f'dicom/{sid}.dcm'
        write_xa_dicom(osp.join(out_dir, rel), sim.frames,
                       sim.frame_times_ms, view, patient_id, study,
                       synthetic_uid(seed, 'thrombus', sid, 'series'),
                       synthetic_uid(seed, 'thrombus', sid, 'sop'), start,
                       series_number=k + 1, window=WINDOW)
        entries.append(classification_entry(
            sid, patient_id, pair_id, view, rel, label, start.isoformat(),
            len(sim.frames), sim.thrombus_points))
    return entries


def _perforation_job(job):
    out_dir, i, count, seed, label, t, start, size, difficulty, view = job
    pair_id, patient_id = _names(i, count)
    ss = np.random.SeedSequence([seed, _TASK_CODES['perforation'], i])
    sim = simulate_pair(ss, 'perforation' if label else None, difficulty,
                        size, int(t), views=(view,))[view]
    sid = f'{pair_id}_{view}'
    rel = f'dicom/{sid}.dcm'
    write_xa_dicom(osp.join(out_dir, rel), sim.frames, sim.frame_times_ms,
                   view, patient_id,
                   synthetic_uid(seed, 'perforation', pair_id, 'study'),
                   synthetic_uid(seed, 'perforation', sid, 'series'),
                   synthetic_uid(seed, 'perforation', sid, 'sop'), start,
                   window=WINDOW)
    return dict(name=sid, file=rel, patient_id=patient_id, pair_id=pair_id,
                view=view, label=int(label), width=size, height=size,
                acquisition_datetime=start.isoformat(), boxes=sim.boxes)


def _run(fn, jobs, workers, progress):
    """Run jobs in order (a process pool when ``workers > 1``)."""
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(jobs))
    results = []
    if workers > 1 and len(jobs) > 1:
        ctx = multiprocessing.get_context(
            'fork' if 'fork' in multiprocessing.get_all_start_methods()
            else None)
        with ctx.Pool(min(workers, len(jobs))) as pool:
            for res in pool.imap(fn, jobs):
                results.append(res)
                if bar is not None:
                    bar.update()
    else:
        for job in jobs:
            results.append(fn(job))
            if bar is not None:
                bar.update()
    return results


def generate_thrombus_dataset(out_dir, num_pairs=100, seed=0, image_size=256,
                              num_frames=(8, 20), positive_fraction=0.5,
                              difficulty='medium', workers=0, progress=True):
    """Generate PA+LAT pairs for thrombus classification.

    Both views of a pair share PatientID, StudyInstanceUID, ``pair_id``,
    frame times and label (a positive pair has one occlusion seen in both
    views; ``thrombus_points`` holds its proximal end in each view).

    Args:
        out_dir (str): output folder (DICOM files under ``dicom/``).
        num_pairs (int): number of PA+LAT pairs (2 x series).
        seed (int): random seed; same seed, same bytes.
        image_size (int): square frame size in px.
        num_frames (int | tuple): frames per run, or a (min, max) range.
        positive_fraction (float): fraction of positive pairs (exact after
            rounding).
        difficulty (str): a key of
            :data:`mmdsa.synth.pathology.DIFFICULTIES` ('easy', 'medium',
            'hard', 'temporal'; 'temporal-controlled' is for the
            perforation task only).
        workers (int): processes; 0 or 1 = in this process.
        progress (bool): show an mmengine ProgressBar.

    Returns:
        str: path of ``out_dir/thrombus.json``.
    """
    frames = check_common(seed, image_size, num_frames, positive_fraction,
                          difficulty, workers)
    if 'controlled' in check_difficulty(difficulty):
        raise ValueError(f'difficulty: {difficulty!r} is for the perforation '
                         f'task only, got it for the thrombus task')
    _check_int('num_pairs', num_pairs, 1)
    labels, n_frames, starts, _ = _plan(seed, 'thrombus', num_pairs, frames,
                                        positive_fraction)
    jobs = [(out_dir, i, num_pairs, seed, int(labels[i]), int(n_frames[i]),
             starts[i], image_size, difficulty) for i in range(num_pairs)]
    results = _run(_thrombus_job, jobs, workers, progress)
    entries = [e for pair in results for e in pair]
    return write_json_atomic(classification_file(entries),
                             osp.join(out_dir, 'thrombus.json'))


def generate_perforation_dataset(out_dir, num_series=100, seed=0,
                                 image_size=256, num_frames=(8, 20),
                                 positive_fraction=0.5, difficulty='medium',
                                 workers=0, progress=True):
    """Generate single-view series for perforation detection.

    Every frame is listed in ``images``; a frame where the extravasation is
    visible (projected density above the threshold of
    :data:`mmdsa.synth.simulate.BOX_FRACTION`) has one box.

    Args:
        out_dir (str): output folder (DICOM files under ``dicom/``).
        num_series (int): number of series (one view each, PA or LAT).
        seed, image_size, num_frames, positive_fraction, difficulty,
        workers, progress: as in :func:`generate_thrombus_dataset`.

    Returns:
        str: path of ``out_dir/perforation.json``.
    """
    frames = check_common(seed, image_size, num_frames, positive_fraction,
                          difficulty, workers)
    _check_int('num_series', num_series, 1)
    labels, n_frames, starts, views = _plan(seed, 'perforation', num_series,
                                            frames, positive_fraction)
    jobs = [(out_dir, i, num_series, seed, int(labels[i]), int(n_frames[i]),
             starts[i], image_size, difficulty, str(views[i]))
            for i in range(num_series)]
    series = _run(_perforation_job, jobs, workers, progress)
    return write_json_atomic(detection_file(series),
                             osp.join(out_dir, 'perforation.json'))


_GENERATORS = {'thrombus': generate_thrombus_dataset,
               'perforation': generate_perforation_dataset}
_NOT_CONTENT = ('out_dir', 'workers', 'progress')


def _content_params(task, kwargs):
    fn = _GENERATORS[task]
    bound = inspect.signature(fn).bind('<root>', **kwargs)
    bound.apply_defaults()
    params = {k: v for k, v in bound.arguments.items()
              if k not in _NOT_CONTENT}
    params = json.loads(json.dumps(params))   # tuples -> lists
    return {'task': task, 'generator_version': GENERATOR_VERSION,
            'params': params}


def ensure_synthetic_dataset(root, task='thrombus', **kwargs):
    """Generate a synthetic data set into ``root`` once and reuse it.

    The generation parameters are stored in ``root/synth_params.json``; when
    they match the request the existing files are reused, otherwise the set
    is regenerated. Generation goes to a temporary sibling folder that is
    renamed to ``root`` at the end, so an interrupted run never leaves a
    half-written ``root``.

    Args:
        root (str): data set folder.
        task (str): 'thrombus' or 'perforation'.
        **kwargs: arguments of :func:`generate_thrombus_dataset` /
            :func:`generate_perforation_dataset` (except ``out_dir``).

    Returns:
        str: path of the annotation file (``thrombus.json`` /
        ``perforation.json``) under ``root``.
    """
    if task not in _GENERATORS:
        raise ValueError(f'task: expected one of {sorted(_GENERATORS)}, got '
                         f'{task!r}')
    if 'out_dir' in kwargs:
        raise ValueError('ensure_synthetic_dataset: expected the output '
                         'folder as root, got out_dir in kwargs')
    wanted = _content_params(task, kwargs)
    root = osp.abspath(root)
    ann = osp.join(root, f'{task}.json')

    def matches(folder):
        path = osp.join(folder, PARAMS_FILE)
        if not (osp.isfile(path) and osp.isfile(
                osp.join(folder, f'{task}.json'))):
            return False
        try:
            with open(path, encoding='utf-8') as f:
                return json.load(f) == wanted
        except (OSError, ValueError):
            return False

    if matches(root):
        return ann
    tmp = f'{root}.tmp-{os.getpid()}'
    if osp.exists(tmp):
        shutil.rmtree(tmp)
    try:
        _GENERATORS[task](tmp, **kwargs)
        write_json_atomic(wanted, osp.join(tmp, PARAMS_FILE))
        old = None
        if osp.exists(root):
            old = f'{root}.old-{os.getpid()}'
            os.replace(root, old)
        try:
            os.replace(tmp, root)
        except OSError:
            # another process finished first; keep its copy if it matches
            if not matches(root):
                raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if osp.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return ann
