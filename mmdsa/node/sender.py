"""Deliver the spool's outbox to the destination AE, with retries.

One thread takes the outbox entries oldest first and C-STOREs each file to
the destination (one association per entry). A file leaves the outbox only
after the destination answered Success (or a Warning status, which means it
was stored); anything else (no connection, association rejected or
aborted, a failure status) keeps the file, and the outbox waits
``retry.initial_s`` seconds, doubling up to ``retry.max_s``, before the next
attempt. A failing entry does not hold up the entries after it. Results are
never dropped.
"""
import logging
import os
import os.path as osp
import threading
import time
from typing import Callable, Optional

from .config import NodeConfig
from .spool import Spool

__all__ = ['ResultSender', 'DeliveryError']

logger = logging.getLogger('mmdsa.node')


class DeliveryError(RuntimeError):
    """The destination did not store a result object (yet).

    ``unreachable``: no association was established (no connection,
    rejected, or aborted, e.g. because no presentation context was
    accepted).
    """

    def __init__(self, message: str, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


def _stored(status) -> bool:
    """Success (0x0000) or a Warning (0x0001, 0xB000-0xBFFF): stored."""
    code = int(getattr(status, 'Status', -1)) if status is not None else -1
    return code == 0 or code == 0x0001 or 0xB000 <= code <= 0xBFFF


class ResultSender:
    """Background delivery of the outbox (see the module docstring).

    Args:
        cfg (NodeConfig): Destination, retry policy, own AE title.
        spool (Spool): Where the outbox is.
        on_delivered (callable, optional): ``f(entry_name, record)`` after an
            entry was delivered (the node logs its one line there).
    """

    def __init__(self, cfg: NodeConfig, spool: Spool,
                 on_delivered: Optional[Callable] = None):
        self.cfg, self.spool = cfg, spool
        self.on_delivered = on_delivered
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.delay = 0.0
        self.attempts = 0
        self.failures = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name='mmdsa-sender',
                                        daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """New results are in the outbox (or the destination came back)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.deliver_all()
                self.delay = 0.0
                self._wake.wait()
            except Exception as exc:  # noqa: BLE001 (keep serving; retry)
                self.failures += 1
                self.delay = min(self.cfg.retry.max_s, max(
                    self.cfg.retry.initial_s, self.delay * 2))
                logger.warning('delivery to %s@%s:%d failed (%s); results '
                               'kept in %s, next attempt in %.1f s',
                               self.cfg.destination.ae_title,
                               self.cfg.destination.host,
                               self.cfg.destination.port,
                               ' '.join(str(exc).split()),
                               self.spool.outbox_dir, self.delay)
                self._stop.wait(self.delay)

    def deliver_all(self) -> int:
        """Deliver every complete outbox entry; returns how many.

        An entry that fails does not hold up the ones after it; when two
        entries in a row get no association (the destination is down or
        refuses the node), the rest wait for the next attempt too.

        Raises:
            DeliveryError: an entry was not delivered (it stays in the
                outbox); the message names the first failure.
        """
        done, failures, no_association = 0, [], 0
        for entry in self.spool.outbox_entries():
            if self._stop.is_set():
                break
            try:
                self.deliver_entry(entry)
            except (DeliveryError, OSError) as exc:
                failures.append(f'{osp.basename(entry)}: {exc}')
                no_association = no_association + 1 if isinstance(
                    exc, DeliveryError) and exc.unreachable else 0
                if no_association >= 2:
                    break
                continue
            no_association = 0
            done += 1
        if failures:
            raise DeliveryError(failures[0] + (
                f' (and {len(failures) - 1} more entries)'
                if len(failures) > 1 else ''))
        return done

    def deliver_entry(self, entry: str) -> None:
        from pydicom import dcmread
        from pynetdicom import AE
        from pynetdicom.presentation import build_context
        from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
        files = self.spool.entry_files(entry)
        summary = self.spool.entry_summary(entry)
        t0 = time.time()
        if files:
            self.attempts += 1
            datasets = [dcmread(f) for f in files]
            contexts = {}
            for ds in datasets:
                syntaxes = contexts.setdefault(str(ds.SOPClassUID), [])
                for ts in (str(ds.file_meta.TransferSyntaxUID),
                           ExplicitVRLittleEndian, ImplicitVRLittleEndian):
                    if ts not in syntaxes:
                        syntaxes.append(ts)
            ae = AE(ae_title=self.cfg.ae_title)
            ae.requested_contexts = [build_context(sop, ts)
                                     for sop, ts in contexts.items()]
            ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = \
                self.cfg.network_timeout_s
            dest = self.cfg.destination
            assoc = ae.associate(dest.host, dest.port, ae_title=dest.ae_title)
            if not assoc.is_established:
                raise DeliveryError(
                    'association ' + ('rejected' if assoc.is_rejected else
                                      'aborted' if assoc.is_aborted else
                                      'not established'), unreachable=True)
            try:
                for path, ds in zip(files, datasets):
                    try:
                        status = assoc.send_c_store(ds)
                    except (ValueError, RuntimeError) as exc:
                        # e.g. the destination accepted no presentation
                        # context for this SOP class / transfer syntax
                        raise DeliveryError(
                            f'{osp.basename(path)}: {exc}') from exc
                    if not _stored(status):
                        code = getattr(status, 'Status', None)
                        raise DeliveryError(
                            f'{osp.basename(path)}: C-STORE status '
                            f'{"none" if code is None else hex(int(code))}')
                    os.remove(path)
            finally:
                if assoc.is_established:
                    assoc.release()
        t1 = time.time()
        summary = dict(summary)
        summary.setdefault('timings_s', {})['send'] = round(t1 - t0, 4)
        summary['delivered_at'] = t1
        summary['results'] = summary.get('results') or len(files)
        self.spool.finish_entry(entry, summary)
        if self.on_delivered is not None:
            self.on_delivered(osp.basename(entry), summary)
