"""Convert CVAT for video 1.1 XML exports into mmdsa's detection format,
reading frame count, size, patient, view and time from the DICOM.

    python tools/dataset_converters/cvat_video_to_annotations.py \
        task1.xml task2.xml --dicom-root DICOM_DIR \
        --out data/own/perforation.json [--name-map names.csv] \
        [--name-from task|source] [--label perforation]

One XML per CVAT task (one series). The series is found under DICOM_DIR by
the task name (``--name-from source``: the uploaded file's name without
extension) or through ``--name-map`` (CSV ``name,file``); ``--dicom FILE``
names it directly for a single XML. ``outside="1"`` ends a box, occluded
boxes count; a series with a box is positive. Everything not understood is
refused, naming the file, the element, the field, what was expected and
what came (``docs/own_data.md``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from mmdsa.datasets.importers import (ConversionError,  # noqa: E402
                                      record_ids, write_detection_file)
from mmdsa.datasets.importers.cvat_video import \
    import_cvat_video  # noqa: E402
from mmdsa.datasets.importers.locate import read_name_map  # noqa: E402
from mmdsa.utils.cli import ToolError, run_tool  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('xml', nargs='+', help='CVAT for video 1.1 XML files')
    p.add_argument('--dicom-root', default='.',
                   help='folder of the DICOM series')
    p.add_argument('--dicom', help='the DICOM series of a single XML')
    p.add_argument('--out', required=True,
                   help='mmdsa detection JSON to write')
    p.add_argument('--name-map', help='CSV name,file (task name -> DICOM '
                   'path below --dicom-root)')
    p.add_argument('--name-from', choices=('task', 'source'),
                   default='task', help='what names the series (default: '
                   'the task name)')
    p.add_argument('--label', help='the perforation label (needed when the '
                   'tracks carry several)')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    if args.dicom and len(args.xml) != 1:
        raise ToolError(f'--dicom: expected one XML file with it, got '
                        f'{len(args.xml)}')
    name_map = read_name_map(args.name_map) if args.name_map else None
    series, boxes, source = {}, {}, {}
    for xml in args.xml:
        one, found = import_cvat_video(xml, args.dicom_root, name_map,
                                       args.label, args.name_from,
                                       args.dicom)
        for name in one:
            if name in series:
                raise ConversionError(
                    f'{xml}: <meta>: field "{args.name_from}": expected a '
                    f'series not annotated before, got {name!r} (also in '
                    f'{source[name]})')
            source[name] = xml
        series.update(one)
        boxes.update(found)
    record_ids(series)
    print(write_detection_file(series, boxes, args.out))
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
