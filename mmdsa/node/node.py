"""The resident DICOM node: receive series, run the models, send results.

Threads:

- pynetdicom's association threads (one per association) run the C-STORE
  handler (:mod:`mmdsa.node.scp`): each instance is written to the spool
  before Success is answered.
- The scheduler decides when a series is complete (:class:`Completion`) and
  queues it.
- One inference worker runs the series processor on complete series, one at
  a time (the models are not shared between threads), and puts the result
  objects into the outbox.
- The sender (:mod:`mmdsa.node.sender`) delivers the outbox with retries.

The processor is any callable ``processor(paths) -> SeriesOutput`` (or a
list of result datasets); the default,
:class:`mmdsa.node.processor.ModelProcessor`, keeps the configured models
resident and builds SR / GSPS / KOS objects with :mod:`mmdsa.results`.
"""
import importlib
import logging
import os.path as osp
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set

from .config import NodeConfig
from .scp import STORAGE_SOP_CLASSES, accepted_transfer_syntaxes, \
    make_store_handler
from .sender import ResultSender
from .spool import Spool

__all__ = ['DicomNode', 'SeriesOutput', 'format_series_line']

logger = logging.getLogger('mmdsa.node')


@dataclass
class SeriesOutput:
    """What a series processor returns.

    Attributes:
        datasets (list[pydicom.Dataset]): Result objects to C-STORE.
        summary (dict): For the series' log line: ``verdicts``
            ``{model name: {'verdict', 'score', 'threshold'}}`` and
            ``timings_s`` (``decode``, ``model``, ``build``).
    """
    datasets: List
    summary: Dict = field(default_factory=dict)


@dataclass
class _SeriesState:
    study_uid: str
    sops: Set[str]
    first: float
    last: float
    expected: Optional[int] = None
    queued: bool = False


def format_series_line(record: Dict) -> str:
    """The one log line of a delivered (or failed) series."""
    parts = [f"series {record.get('series_uid')}",
             f"study {record.get('study_uid')}",
             f"instances={record.get('instances')}"]
    for name, v in (record.get('verdicts') or {}).items():
        score, thr = v.get('score'), v.get('threshold')
        figures = '' if score is None else \
            f'({score:.3f}' + ('' if thr is None else f' thr {thr:.3f}') + ')'
        reasons = '; '.join(v.get('reasons') or [])
        parts.append(f"{name}={v.get('verdict')}{figures}"
                     + (f'[{reasons}]' if reasons else ''))
    if record.get('error'):
        parts.append(f"error={' '.join(str(record['error']).split())}")
    else:
        parts.append(f"results={record.get('results')}")
    timings = record.get('timings_s') or {}
    for key in ('receive', 'wait', 'decode', 'model', 'build', 'send',
                'latency'):
        if key in timings:
            parts.append(f'{key}={timings[key]:.2f}s')
    return ' '.join(parts)


def _load_processor(cfg: NodeConfig) -> Callable:
    spec = cfg.processor or 'mmdsa.node.processor:ModelProcessor'
    module, name = spec.split(':')
    factory = getattr(importlib.import_module(module), name)
    return factory(cfg)


class DicomNode:
    """A Storage SCP that turns complete series into delivered results.

    Args:
        cfg (NodeConfig): The checked configuration.
        processor (callable, optional): ``processor(paths) -> SeriesOutput``
            (or a list of datasets); default: the one ``cfg.processor``
            names, else :class:`~mmdsa.node.processor.ModelProcessor`
            (the configured models, loaded once here).
    """

    def __init__(self, cfg: NodeConfig, processor: Optional[Callable] = None):
        self.cfg = cfg
        self.spool = Spool(cfg.spool_dir)
        self.processor = processor if processor is not None \
            else _load_processor(cfg)
        self.sender = ResultSender(cfg, self.spool, self._delivered)
        self._lock = threading.Lock()
        self._series: Dict[str, _SeriesState] = {}
        self._queue: 'queue.Queue[Optional[str]]' = queue.Queue()
        self._stop = threading.Event()
        self._tick = threading.Event()
        self._threads: List[threading.Thread] = []
        self._server = None
        self.port: Optional[int] = None
        self.processed = 0
        self.failed = 0

    # -- life cycle --------------------------------------------------------
    def start(self) -> 'DicomNode':
        """Resume pending series, start the workers and listen."""
        from pynetdicom import AE, evt
        from pynetdicom.sop_class import Verification
        now = time.time()
        for uid, paths in self.spool.pending_series().items():
            self._resume(uid, paths, now)
        ae = AE(ae_title=self.cfg.ae_title)
        syntaxes = accepted_transfer_syntaxes()
        for sop in STORAGE_SOP_CLASSES:
            ae.add_supported_context(sop, syntaxes)
        ae.add_supported_context(Verification)
        ae.require_calling_aet = list(self.cfg.allowed_calling_aets)
        ae.require_called_aet = True
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = \
            self.cfg.network_timeout_s
        handlers = [(evt.EVT_C_STORE, make_store_handler(self._store))]
        self._server = ae.start_server(
            (self.cfg.bind_address, self.cfg.port), block=False,
            evt_handlers=handlers)
        self.port = self._server.server_address[1]
        for target, name in ((self._schedule, 'mmdsa-scheduler'),
                             (self._work, 'mmdsa-inference')):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.sender.start()
        logger.info('listening as %s on %s:%d (calling AEs allowed: %s); '
                    'results to %s@%s:%d; spool %s; %d series resumed',
                    self.cfg.ae_title, self.cfg.bind_address, self.port,
                    ', '.join(self.cfg.allowed_calling_aets),
                    self.cfg.destination.ae_title, self.cfg.destination.host,
                    self.cfg.destination.port, self.spool.root,
                    len(self._series))
        return self

    def stop(self) -> None:
        """Stop listening and let the workers finish their current step.

        Nothing is lost: pending series and undelivered results stay in the
        spool for the next start."""
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        self._stop.set()
        self._tick.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=60)
        self.sender.stop()

    def serve_forever(self) -> None:
        """Start and block until SIGINT / SIGTERM."""
        import signal
        self.start()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(1.0):
            pass
        logger.info('stopping')
        self.stop()

    # -- receiving ---------------------------------------------------------
    def _expected(self, header) -> Optional[int]:
        comp = self.cfg.completion
        if comp.expected_instances is not None:
            return comp.expected_instances
        if comp.use_header_count and header is not None:
            try:
                value = int(header.get('ImagesInAcquisition') or 0)
            except (TypeError, ValueError):
                value = 0
            return value if value > 0 else None
        return None

    def _store(self, study_uid, series_uid, sop_uid, data, header) -> None:
        # under the lock: a series' folder is never removed
        # (keep_received: false) while one of its instances is written
        with self._lock:
            self.spool.store_instance(series_uid, sop_uid, data)
            now = time.time()
            state = self._series.get(series_uid)
            if state is None:
                state = self._series[series_uid] = _SeriesState(
                    study_uid, set(), now, now)
            state.sops.add(sop_uid)
            state.last = now
            state.expected = state.expected or self._expected(header)
        self._tick.set()

    def _resume(self, uid: str, paths: List[str], now: float) -> None:
        from pydicom import dcmread
        header = None
        try:
            header = dcmread(paths[0], stop_before_pixels=True)
        except Exception:  # noqa: BLE001 (checked when received)
            pass
        self._series[uid] = _SeriesState(
            str(header.get('StudyInstanceUID', '')) if header else '',
            {osp.splitext(osp.basename(p))[0] for p in paths}, now, now,
            self._expected(header))

    # -- completion --------------------------------------------------------
    def _schedule(self) -> None:
        idle = self.cfg.completion.idle_timeout_s
        while not self._stop.is_set():
            self._tick.wait(min(0.2, idle / 4))
            self._tick.clear()
            now = time.time()
            with self._lock:
                for uid, state in self._series.items():
                    if state.queued:
                        continue
                    if (state.expected is not None
                            and len(state.sops) >= state.expected) \
                            or now - state.last >= idle:
                        state.queued = True
                        self._queue.put(uid)

    # -- inference ---------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            uid = self._queue.get()
            if uid is None:
                break
            try:
                self.process_series(uid)
            except Exception:  # noqa: BLE001 (never stop serving)
                logger.exception('series %s: unexpected error', uid)

    def process_series(self, uid: str) -> None:
        """Run the processor on the received instances of one series and
        queue its results (called by the worker thread)."""
        start = time.time()
        with self._lock:
            state = self._series[uid]
            first, last, study = state.first, state.last, state.study_uid
        paths = self.spool.series_instances(uid)
        record = dict(series_uid=uid, study_uid=study, instances=len(paths),
                      last_received_at=last,
                      timings_s=dict(receive=round(last - first, 4),
                                     wait=round(start - last, 4)))
        error = None
        try:
            out = self.processor(paths)
            if not isinstance(out, SeriesOutput):
                out = SeriesOutput(list(out))
            record['verdicts'] = out.summary.get('verdicts', {})
            record['timings_s'].update(out.summary.get('timings_s', {}))
            record['results'] = len(out.datasets)
            record['result_sop_instance_uids'] = [
                str(ds.SOPInstanceUID) for ds in out.datasets]
        except Exception as exc:  # noqa: BLE001 (log, keep serving)
            error = f'{type(exc).__name__}: {exc}'
            record['error'] = error
            self.failed += 1
            logger.error(format_series_line(record))
            logger.debug('series %s: processing failed', uid, exc_info=True)
        if error is None:
            try:
                entry = self.spool.queue_results(uid, out.datasets, record)
            except OSError as exc:  # e.g. disk full: retry the series later
                logger.error('series %s: cannot queue its results (%s); the '
                             'series stays pending and runs again', uid, exc)
                with self._lock:
                    self._series[uid].queued = False
                    self._series[uid].last = time.time()
                return
            if entry is None:
                logger.info(format_series_line(record) + ' (nothing to send)')
        done = {osp.splitext(osp.basename(p))[0] for p in paths}
        with self._lock:
            self.spool.mark_processed(uid, paths,
                                      keep=self.cfg.keep_received,
                                      error=error)
            state = self._series[uid]
            if state.sops <= done:
                del self._series[uid]
            else:  # instances arrived meanwhile: the series runs again
                state.queued = False
        if error is None:
            self.processed += 1
            self.sender.wake()
        self._tick.set()

    def _delivered(self, name: str, record: Dict) -> None:
        timings = record.setdefault('timings_s', {})
        if record.get('last_received_at'):
            timings['latency'] = record['delivered_at'] - \
                record['last_received_at']
        logger.info(format_series_line(record))

    # -- state for tools and tests ----------------------------------------
    def pending(self) -> int:
        """Series received but not processed yet."""
        with self._lock:
            return len(self._series)

    def idle(self) -> bool:
        """Nothing pending and the outbox empty."""
        return self.pending() == 0 and not self.spool.outbox_entries()
