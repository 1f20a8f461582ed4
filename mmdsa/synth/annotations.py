"""Annotation files of the synthetic data sets, in the formats of
``docs/contracts.md``: classification JSON (MMEngine BaseDataset layout) and
CocoVID-style detection JSON. Paths are relative to the annotation file's
folder (``dicom/<name>.dcm``)."""
from mmdsa.structures.classes import CLASSIFICATION_CLASSES, DETECTION_CLASSES

THROMBUS_CLASSES = list(CLASSIFICATION_CLASSES)
PERFORATION_CATEGORY = {'id': 1, 'name': DETECTION_CLASSES[0]}


def classification_entry(series_id, patient_id, pair_id, view, file, label,
                         acquisition_datetime, num_frames,
                         thrombus_points, occlusion_level=None):
    """One ``data_list`` item of the thrombus classification file
    (``occlusion_level``: the site the generator drew, None if negative)."""
    return {'series_id': series_id, 'patient_id': patient_id,
            'pair_id': pair_id, 'view': view, 'file': file,
            'label': int(label),
            'acquisition_datetime': acquisition_datetime,
            'num_frames': int(num_frames),
            'thrombus_points': [[float(x), float(y)]
                                for x, y in thrombus_points],
            'occlusion_level': occlusion_level}


def classification_file(entries):
    """The whole thrombus annotation dict."""
    return {'metainfo': {'classes': list(THROMBUS_CLASSES),
                         'task': 'thrombus'},
            'data_list': list(entries)}


def detection_file(series):
    """Build the CocoVID-style perforation annotation dict.

    Args:
        series (list[dict]): per series ``name``, ``file``, ``patient_id``,
            ``pair_id``, ``view``, ``label``, ``width``, ``height``,
            ``acquisition_datetime`` and ``boxes`` (one ``[x, y, w, h]`` or
            None per frame).

    Returns:
        dict: ``categories``, ``videos``, ``images`` (every frame of every
        series) and ``annotations`` (at most one box per frame), ids from 1.
    """
    videos, images, annotations = [], [], []
    for s in series:
        vid = len(videos) + 1
        videos.append({'id': vid, 'name': s['name'], 'file': s['file'],
                       'patient_id': s['patient_id'],
                       'pair_id': s['pair_id'], 'view': s['view'],
                       'label': int(s['label']),
                       'num_frames': len(s['boxes']), 'width': s['width'],
                       'height': s['height'],
                       'acquisition_datetime': s['acquisition_datetime']})
        for frame_id, box in enumerate(s['boxes']):
            img_id = len(images) + 1
            images.append({'id': img_id, 'video_id': vid,
                           'frame_id': frame_id, 'file_name': s['file'],
                           'width': s['width'], 'height': s['height']})
            if box is not None:
                x, y, w, h = (int(v) for v in box)
                annotations.append({'id': len(annotations) + 1,
                                    'image_id': img_id, 'video_id': vid,
                                    'category_id': 1, 'bbox': [x, y, w, h],
                                    'area': w * h, 'iscrowd': 0})
    return {'categories': [dict(PERFORATION_CATEGORY)], 'videos': videos,
            'images': images, 'annotations': annotations}
