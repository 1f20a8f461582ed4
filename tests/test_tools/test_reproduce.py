"""tools/analysis_tools/reproduce.py: derived configs and the orderings."""
import importlib.util
import math
import os.path as osp

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'reproduce', osp.join(ROOT, 'tools', 'analysis_tools',
                              'reproduce.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_variants_differ_only_where_the_paper_says(tmp_path):
    rep = _tool()
    s = rep._scale(rep.parse_args(['--quick']))
    cfgs = {name: rep.model_config(name, *rep.BENCHMARK[name],
                                   str(tmp_path), 'temporal', 3, s)
            for name in rep.BENCHMARK}
    for name, cfg in cfgs.items():
        neck, frames, beta = rep.BENCHMARK[name]
        assert cfg.model.num_frames == frames
        assert cfg.train_dataloader.dataset.pipeline[0].num_frames == frames
        assert cfg.test_dataloader.dataset.pipeline[0].num_frames == frames
        assert cfg.model.detector.bbox_head.loss_bbox.beta == beta
        assert (cfg.model.temporal_neck is None) == (neck is None)
        # every model carries SO: one test gives both rows, same detections
        assert cfg.model.series_post_processor.type == 'TrajectoryOptimizer'
        assert cfg.model.detector.test_cfg.max_per_img == 1
        assert cfg.val_dataloader is None and cfg.randomness.seed == 3
        for split in ('train', 'test'):
            ds = cfg[f'{split}_dataloader'].dataset
            assert ds.synthetic['difficulty'] == 'temporal'
        assert cfg.test_dataloader.dataset.synthetic['seed'] == 32
    assert cfgs['RN+TAM'].model.temporal_neck.type == 'TemporalAttention'
    assert cfgs['RN-DIoU'].model.detector.bbox_head.loss_bbox.beta == 0.0


def test_orderings_hold_on_the_mean_and_combine_the_seeds_tests():
    from scipy import stats
    rep = _tool()

    def t(a, b, z, ge=False):
        return dict(a=a, b=b, z=z, p=float(2 * stats.norm.sf(abs(z))),
                    ge=ge)

    per_seed = [{'X AUC > RN AUC': t(0.9, 0.8, 2.0),
                 'RN AUC >= RN-DIoU AUC': t(0.7, 0.7, 0.0, True)},
                {'X AUC > RN AUC': t(0.7, 0.75, -0.5),
                 'RN AUC >= RN-DIoU AUC': t(0.7, 0.7, math.nan, True)},
                {'X AUC > RN AUC': t(0.85, 0.8, 1.2),
                 'RN AUC >= RN-DIoU AUC': t(0.7, 0.7, 0.0, True)}]
    per_seed[1]['RN AUC >= RN-DIoU AUC']['p'] = math.nan
    got = {o['ordering']: o for o in rep.combine_orderings(per_seed)}
    x = got['X AUC > RN AUC']
    assert x['holds'] and x['a'] == pytest.approx(0.8166666)
    # Stouffer: (2.0 - 0.5 + 1.2) / sqrt(3), two-sided
    z = 2.7 / math.sqrt(3)
    assert x['z'] == pytest.approx(z)
    assert x['p'] == pytest.approx(2 * stats.norm.sf(z))
    assert x['p_median'] == pytest.approx(per_seed[2]['X AUC > RN AUC']['p'])
    tie = got['RN AUC >= RN-DIoU AUC']
    assert tie['holds'] and tie['p'] == 1.0 and tie['p_median'] == 1.0
    assert math.isnan(tie['p_per_seed'][1])


def test_p_against_rn_combines_the_seeds():
    rep = _tool()
    got = rep.combine_vs_rn({'A': [(1.0, 0.3), (1.0, 0.3)],
                             'B': [(math.nan, math.nan)]})
    assert got['A'] == pytest.approx(math.erfc(math.sqrt(2) / math.sqrt(2)))
    assert math.isnan(got['B'])


def test_controlled_check_runs_on_the_first_seed_only(tmp_path):
    rep = _tool()
    args = rep.parse_args(['--quick', '--seeds', '4', '5', '--work-dir',
                           str(tmp_path)])
    s = rep._scale(args)
    levels = {seed: {(j['level'], j['name'])
                     for j in rep.jobs_of_seed(args, s, seed)}
              for seed in args.seeds}
    ctrl = {(args.controlled_level, n) for n in rep.CONTROLLED}
    assert ctrl <= levels[4] and not ctrl & levels[5]
    assert {(args.level, n) for n in rep.BENCHMARK} <= levels[5]


def test_study_timing_from_the_run_folders(tmp_path):
    import os
    import time
    rep = _tool()
    jobs = []
    for k, stamp in enumerate(('20261201_100000', '20261201_101000')):
        wdir = tmp_path / f'm{k}'
        (wdir / stamp).mkdir(parents=True)
        (wdir / 'test').mkdir()
        pred = wdir / 'predictions.json'
        pred.write_text('{}')
        end = time.mktime(time.strptime(stamp, '%Y%m%d_%H%M%S')) + 300
        os.utime(pred, (end, end))
        jobs.append(dict(seed=0, level='temporal', name=f'm{k}',
                         work_dir=str(wdir), predictions=str(pred)))
    jobs.append(dict(seed=0, level='temporal', name='unfinished',
                     work_dir=str(tmp_path / 'none'),
                     predictions=str(tmp_path / 'none' / 'p.json')))
    timing = rep.study_timing(jobs)
    assert timing['minutes_per_model'] == {'seed 0 temporal m0': 5.0,
                                           'seed 0 temporal m1': 5.0}
    assert timing['wall_min'] == 15.0
    assert timing['model_min_total'] == 10.0


def test_recurrent_necks_train_on_every_frame_unless_overridden(tmp_path):
    rep = _tool()
    s = rep._scale(rep.parse_args([]))
    kfi = {name: rep.model_config(name, *rep.BENCHMARK[name], str(tmp_path),
                                  'temporal', 0, s)
           .train_dataloader.dataset.key_frame_interval
           for name in rep.BENCHMARK}
    assert kfi == {'RN': 2, 'RN-DIoU': 2, 'RN+TCM': 2, 'RN+TAM': 2,
                   'RN+BiLSTM': 1, 'RN+BiGRU': 1}
    # the paper's plain recurrent necks, not the residual option
    for name in ('RN+BiLSTM', 'RN+BiGRU'):
        assert not rep.BENCHMARK[name][0].get('residual', False)
    assert rep._intervals(s) == ('2nd frame (RN, RN-DIoU, RN+TCM, RN+TAM), '
                                 'frame (RN+BiLSTM, RN+BiGRU)')
    args = rep.parse_args(['--key-frame-interval', '3'])
    s = rep._scale(args)
    cfg = rep.model_config('RN+BiGRU', *rep.BENCHMARK['RN+BiGRU'],
                           str(tmp_path), 'temporal', 0, s)
    assert cfg.train_dataloader.dataset.key_frame_interval == 3
    assert set(s['key_frame_interval'].values()) == {3}
    with pytest.raises(SystemExit):
        rep.parse_args(['--key-frame-interval', '0'])


def test_jobs_run_longest_first_and_keep_their_order_within(tmp_path):
    rep = _tool()
    args = rep.parse_args(['--quick', '--seeds', '0', '1', '--work-dir',
                           str(tmp_path), '--skip-controlled'])
    s = rep._scale(args)
    jobs = [j for seed in args.seeds for j in rep.jobs_of_seed(args, s, seed)]
    order = [(j['seed'], j['name']) for j in rep.longest_first(jobs)]
    assert order[:4] == [(0, 'RN+BiLSTM'), (0, 'RN+BiGRU'),
                         (1, 'RN+BiLSTM'), (1, 'RN+BiGRU')]
    assert {n for _, n in order[-4:]} == {'RN', 'RN-DIoU'}
    assert sorted(order) == sorted((j['seed'], j['name']) for j in jobs)


def _fake_tables(rng, names, n=30):
    labels = np.arange(n) % 2
    out = {}
    for k, name in enumerate(names):
        rows = []
        for lab in labels:
            score = float(rng.random() * 0.5 + 0.1 * k * lab)
            top = rng.random(3) * score
            rows.append(dict(label=int(lab), score=score, top_scores=top,
                             tp_iou=rng.random(3) < 0.3 * lab,
                             tp_cin=rng.random(3) < 0.5 * lab,
                             num_gt=3 * int(lab)))
        out[name] = rows
    return out


def test_orderings_of_a_seed_have_signed_tests():
    rep = _tool()
    rng = np.random.default_rng(0)
    names = ['RN', 'RN-DIoU', 'RN+SO'] + [
        x for n in rep.NECKS for x in (n, n + '+SO')] + ['median ensemble']
    tables = _fake_tables(rng, names)
    got = rep.orderings_of_seed(tables, 50, 0)
    assert len(got) == 14
    assert 'median ensemble AUC >= best member AUC' in got
    for key, o in got.items():
        assert set(o) == {'a', 'b', 'z', 'p', 'ge'}
        if o['a'] != o['b'] and o['z'] != 0 and not math.isnan(o['z']):
            assert (o['z'] > 0) == (o['a'] > o['b']), key
        assert 0 <= o['p'] <= 1


def test_one_roc_picture_per_seed(tmp_path):
    rep = _tool()
    rng = np.random.default_rng(1)
    names = ['RN'] + list(rep.NECKS)
    per_seed = [_fake_tables(rng, names), _fake_tables(rng, names)]
    out = tmp_path / 'docs'
    got = rep.write_roc_figures(str(out), per_seed, [3, 4])
    assert got == ['reproduction_roc_seed_3.png',
                   'reproduction_roc_seed_4.png']
    for name in got:
        assert (out / name).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
