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

from mmdsa.structures.views import PAIR_VIEWS
from mmdsa.utils.fileio import (make_temp_sibling_dir, replace_dir,
                                 write_json_atomic)

from .annotations import (classification_entry, classification_file,
                          detection_file)
from .dicom_writer import synthetic_uid, write_xa_dicom
from .pathology import check_difficulty
from .simulate import simulate_pair

# 2: thrombus entries carry occlusion_level (issue 12); 3: the 'temporal'
# and 'temporal-controlled' perforation levels (issue 11); 4: XA files
# pass dciodvfy (X-Ray Acquisition values, no FrameTime beside the vector)
GENERATOR_VERSION = 4
PARAMS_FILE = 'synth_params.json'
_TASK_CODES = {'thrombus': 1, 'perforation': 2}
_BASE_TIME = datetime.datetime(2023, 1, 2, 8, 0, 0)
WINDOW = (1800.0, 2400.0)


class ForeignFilesError(FileExistsError):
    """A synthetic ``data_root`` holds files the generator did not write;
    nothing was changed (the tools report it in one line, exit status 2)."""


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
    views = rng.choice(list(PAIR_VIEWS), count)
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
            len(sim.frames), sim.thrombus_points,
            sim.info.get('occlusion_level')))
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
            'hard', 'mixed', 'temporal'; 'temporal-controlled' is for the
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
    return write_json_atomic(osp.join(out_dir, 'thrombus.json'),
                             classification_file(entries))


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
    return write_json_atomic(osp.join(out_dir, 'perforation.json'),
                             detection_file(series))


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


def _manifest(folder):
    """Relative paths of every file under ``folder`` (sorted, '/' separated),
    the marker excluded."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            rel = osp.relpath(osp.join(dirpath, name), folder)
            rel = rel.replace(os.sep, '/')
            if rel != PARAMS_FILE:
                files.append(rel)
    return files


def _read_marker(folder):
    """The marker of a generated folder, or None when there is none."""
    path = osp.join(folder, PARAMS_FILE)
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _foreign_files(folder):
    """Files under ``folder`` that the generator did not write there.

    A folder the generator made holds its marker (``synth_params.json``) and
    exactly the files the marker lists. Returns ``[]`` for a missing or an
    empty folder, which may be (re)filled.
    """
    if not osp.lexists(folder):
        return []
    if not osp.isdir(folder) or osp.islink(folder):
        return [folder]
    present = _manifest(folder)
    marker = _read_marker(folder)
    listed = set(marker.get('files', [])) if marker else set()
    foreign = [f for f in present if f not in listed]
    if marker is None and osp.exists(osp.join(folder, PARAMS_FILE)):
        foreign.insert(0, PARAMS_FILE)   # unreadable marker: not ours
    return foreign


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_generation_folders(root):
    """Remove ``<root>.tmp-<pid>-*`` / ``<root>.old-<pid>-*`` siblings left
    by a generation that was killed (its process no longer runs).

    Args:
        root (str): The data set folder.

    Returns:
        list[str]: The removed folders.
    """
    root = osp.abspath(root)
    parent, base = osp.split(root)
    removed = []
    if not osp.isdir(parent):
        return removed
    for name in os.listdir(parent):
        for mark in ('.tmp-', '.old-'):
            prefix = base + mark
            if not name.startswith(prefix):
                continue
            pid = name[len(prefix):].split('-', 1)[0]
            path = osp.join(parent, name)
            if pid.isdigit() and not _pid_alive(int(pid)) and \
                    osp.isdir(path) and not osp.islink(path):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def ensure_synthetic_dataset(root, task='thrombus', *, regenerate=False,
                             finish=None, **kwargs):
    """Generate a synthetic data set into ``root`` once and reuse it.

    The folder's marker ``root/synth_params.json`` holds the generation
    parameters and the list of files the generator wrote. When the
    parameters match the request (and the files are there) the set is
    reused. Otherwise the set is generated into a temporary sibling folder
    that replaces ``root`` only when complete, so an interrupted run never
    leaves a half-written ``root``; leftovers of a killed run are removed at
    the next call.

    ``root`` is only ever replaced when it is missing, empty, or a folder
    this generator made that holds nothing but its own files. A folder with
    anything else in it (a user's data, notes, a file added to a generated
    set) is never touched: :class:`FileExistsError` names the folder and
    the first foreign files.

    Args:
        root (str): data set folder.
        task (str): 'thrombus' or 'perforation'.
        regenerate (bool): generate even when a matching set exists (still
            only replacing a generated folder).
        finish (callable, optional): ``finish(folder, ann_file)`` writes
            more outputs into the new set (e.g. contact sheets) before it is
            swapped in; they are listed in the marker.
        **kwargs: arguments of :func:`generate_thrombus_dataset` /
            :func:`generate_perforation_dataset` (except ``out_dir``).

    Returns:
        str: path of the annotation file (``thrombus.json`` /
        ``perforation.json``) under ``root``.

    Raises:
        FileExistsError: ``root`` holds files the generator did not write.
    """
    if task not in _GENERATORS:
        raise ValueError(f'task: expected one of {sorted(_GENERATORS)}, got '
                         f'{task!r}')
    if 'out_dir' in kwargs:
        raise ValueError('ensure_synthetic_dataset: expected the output '
                         'folder as root, got out_dir in kwargs')
    wanted = _content_params(task, kwargs)
    root = osp.abspath(root)
    ann_name = f'{task}.json'
    ann = osp.join(root, ann_name)

    def matches(folder):
        marker = _read_marker(folder)
        if marker is None or 'files' not in marker:
            return False
        params = {k: v for k, v in marker.items() if k != 'files'}
        return params == wanted and ann_name in marker['files'] and all(
            osp.isfile(osp.join(folder, f)) for f in marker['files'])

    remove_stale_generation_folders(root)
    if not regenerate and matches(root):
        return ann
    foreign = _foreign_files(root)
    if foreign:
        raise ForeignFilesError(_refusal(root, foreign))
    tmp = make_temp_sibling_dir(root)
    try:
        _GENERATORS[task](tmp, **kwargs)
        if finish is not None:
            finish(tmp, osp.join(tmp, ann_name))
        write_json_atomic(osp.join(tmp, PARAMS_FILE),
                          dict(wanted, files=_manifest(tmp)))
        if not regenerate and matches(root):
            return ann       # another process finished first
        foreign = _foreign_files(root)   # check again just before the swap
        if foreign:
            raise ForeignFilesError(_refusal(root, foreign))
        replace_dir(tmp, root)
    finally:
        if osp.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return ann


def _refusal(root, foreign):
    shown = ', '.join(foreign[:3]) + (
        f' and {len(foreign) - 3} more' if len(foreign) > 3 else '')
    return (f'{root}: refusing to generate a synthetic data set here: the '
            f'folder holds files that mmdsa did not generate ({shown}). '
            'Nothing was changed. Point data_root (or --out) at a new or '
            'empty folder, or move those files away yourself.')
