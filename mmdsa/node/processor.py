"""The node's default series processor: resident models -> result objects.

:class:`ModelProcessor` loads every configured model once
(:func:`mmdsa.apis.init_model`, with the checkpoint's operating-point
sidecar), and for each complete series runs
:func:`mmdsa.apis.inference_series` (scope check included: an input out of
the model's scope gets the verdict ``out_of_scope``) and builds the result
objects with :func:`mmdsa.results.build_result_datasets` (SR, GSPS when
there are boxes, KOS when positive, SC when ``include_sc``).
"""
import os.path as osp
import time
from typing import Dict, List, Sequence, Tuple

from .config import NodeConfig
from .node import SeriesOutput

__all__ = ['ModelProcessor', 'series_inputs']


def series_inputs(paths: Sequence[str]) -> List[Tuple[str, List[str]]]:
    """How the reader takes a series' instances.

    One multi-frame instance, or several single-frame instances (read
    together as one series from their folder), is one input; a series of
    several multi-frame instances (several runs) gives one input per
    instance.

    Returns:
        list[tuple[str, list[str]]]: ``(path to read, instance files)``.
    """
    from pydicom import dcmread
    paths = sorted(paths)
    if len(paths) <= 1:
        return [(p, [p]) for p in paths]
    frames = []
    for p in paths:
        ds = dcmread(p, stop_before_pixels=True)
        frames.append(int(ds.get('NumberOfFrames') or 1))
    if all(n == 1 for n in frames):
        return [(osp.dirname(paths[0]), list(paths))]
    return [(p, [p]) for p in paths]


class ModelProcessor:
    """``processor(paths) -> SeriesOutput`` with the configured models.

    Args:
        cfg (NodeConfig): ``models`` (name, config, checkpoint, threshold,
            force), ``device`` and ``include_sc``.
    """

    def __init__(self, cfg: NodeConfig):
        from mmdsa.apis import init_model, is_detector
        from mmdsa.apis.provenance import provenance
        # fail at start, not per series; and load highdicom now, not while
        # the first series waits for its results
        import highdicom  # noqa: F401
        import mmdsa.results  # noqa: F401
        self.cfg = cfg
        self.models = []
        for spec in cfg.models:
            if spec.checkpoint is None:
                raise ValueError(
                    f'{cfg.source}: models[{spec.name}].checkpoint: expected '
                    'a checkpoint file (results name its SHA-256), got none')
            model = init_model(spec.config, spec.checkpoint,
                               device=cfg.device)
            task = 'perforation' if is_detector(model) else 'thrombus'
            self.models.append(
                (spec, model, task, provenance(spec.config,
                                               spec.checkpoint)))
        # build the result objects of a tiny series once now, so the first
        # real series does not pay for imports and dictionary loading
        from mmdsa.results import warm_up
        warm_up(include_sc=cfg.include_sc)

    def __call__(self, paths: Sequence[str]) -> SeriesOutput:
        from mmdsa.apis import inference_series
        from mmdsa.results import build_result_datasets
        from mmdsa.results.sources import read_source_datasets
        datasets: List = []
        verdicts: Dict[str, Dict] = {}
        timings = dict(decode=0.0, model=0.0, build=0.0)
        inputs = series_inputs(paths)
        for spec, model, task, prov in self.models:
            for i, (path, _files) in enumerate(inputs):
                result = inference_series(model, path,
                                          threshold=spec.threshold,
                                          force=spec.force)
                own = result.get('timings_s', {})
                timings['decode'] += own.get('load_and_preprocess', 0.0)
                timings['model'] += own.get('model', 0.0) + \
                    own.get('post_processing', 0.0)
                t0 = time.perf_counter()
                sources = read_source_datasets(path)
                datasets += build_result_datasets(
                    result, sources, prov, task=task, model_name=spec.name,
                    include_sc=self.cfg.include_sc)
                timings['build'] += time.perf_counter() - t0
                decision = result['decision']
                key = spec.name if len(inputs) == 1 else f'{spec.name}[{i}]'
                verdicts[key] = dict(verdict=decision['verdict'],
                                     score=decision.get('score'),
                                     threshold=decision.get('threshold'),
                                     reasons=decision.get('reasons', []))
        return SeriesOutput(datasets, dict(
            verdicts=verdicts,
            timings_s={k: round(v, 4) for k, v in timings.items()}))
