"""A series processor for the DICOM node's infrastructure tests.

It stands in for the model (no torch import, milliseconds per series): for
each series it returns one derived copy of the series' first instance, with
UIDs derived from the source (so the test can look the result up in the
PACS) and SeriesDescription 'mmdsa node test result'. Set
MMDSA_NODE_TEST_DELAY_S to make processing slow (to kill the node while a
series is being processed).
"""
import os
import time
import uuid

_NS = uuid.uuid5(uuid.NAMESPACE_URL, 'mmdsa/tests/node')


def derived_uid(*parts):
    return f"2.25.{uuid.uuid5(_NS, '|'.join(map(str, parts))).int}"


def make_processor(cfg):
    from pydicom import dcmread

    def process(paths):
        delay = float(os.environ.get('MMDSA_NODE_TEST_DELAY_S', '0'))
        if delay:
            time.sleep(delay)
        ds = dcmread(sorted(paths)[0])
        series = str(ds.SeriesInstanceUID)
        ds.SeriesInstanceUID = derived_uid('series', series)
        ds.SOPInstanceUID = derived_uid('sop', series, len(paths))
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.SeriesDescription = 'mmdsa node test result'
        ds.SeriesNumber = 999
        ds.ImageComments = f'instances={len(paths)}'
        return [ds]

    return process
