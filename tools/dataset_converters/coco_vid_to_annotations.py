"""Convert COCO-VID annotations (mmtracking / CVAT) into mmdsa's detection
format, reading frame count, size, patient, view and time from the DICOM.

    python tools/dataset_converters/coco_vid_to_annotations.py ANN.json \
        --dicom-root DICOM_DIR --out data/own/perforation.json \
        [--name-map names.csv] [--category perforation]

Each video is found under DICOM_DIR by its name (``NAME``, ``NAME.dcm``,
or the name without its own extension), or through ``--name-map`` (CSV
``name,file``), or by the video's own ``file`` field. A video with a box
is positive unless it gives ``label``. Everything not understood is
refused, naming the file, the entry, the field, what was expected and what
came (``docs/own_data.md``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
from mmdsa.datasets.importers import write_detection_file  # noqa: E402
from mmdsa.datasets.importers.coco_vid import import_coco_vid  # noqa: E402
from mmdsa.datasets.importers.locate import read_name_map  # noqa: E402
from mmdsa.utils.cli import run_tool  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('ann', help='COCO-VID JSON file')
    p.add_argument('--dicom-root', required=True,
                   help='folder of the DICOM series')
    p.add_argument('--out', required=True,
                   help='mmdsa detection JSON to write')
    p.add_argument('--name-map', help='CSV name,file (video name -> DICOM '
                   'path below --dicom-root)')
    p.add_argument('--category', help='category name of the perforation '
                   'boxes (needed when the file has several)')
    from mmdsa.utils.cli import add_overwrite_argument
    add_overwrite_argument(p)
    args = p.parse_args(argv)
    name_map = read_name_map(args.name_map) if args.name_map else None
    series, boxes = import_coco_vid(args.ann, args.dicom_root, name_map,
                                    args.category)
    print(write_detection_file(series, boxes, args.out))
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
