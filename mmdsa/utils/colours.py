"""The overlay colours every mmdsa picture and presentation state uses
(cine loops, Secondary Capture, GSPS graphic layers), in a module without
imaging dependencies so that the DICOM result builders need not import
:mod:`mmdsa.visualization`."""

#: RGB colours of the overlays (exact in the written GIF).
COLOURS = dict(
    detection=(255, 255, 0),
    trajectory=(255, 0, 0),
    reference=(0, 255, 0),
    point=(0, 255, 255),
    bar=(255, 128, 0),
    text=(255, 255, 255),
    banner=(255, 64, 64),
)
