"""Coded concepts and fixed texts of mmdsa's DICOM result objects.

Every code here comes from DICOM's own code tables as pydicom ships them
(``pydicom.sr.codedict.codes``): DCM (DICOM Controlled Terminology, PS3.16
Annex D) and SCT (SNOMED CT). DICOM has no code for "vessel perforation";
the perforation detector finds the extravasation of contrast that a
perforation causes (Su et al., Medical Image Analysis 2022,
doi:10.1016/j.media.2022.102377), so its finding is coded as
DCM 111428 "Extravasation". ``docs/clinical_outputs.md`` lists them all.
"""
from pydicom.sr.codedict import codes

#: The statement every mmdsa output carries (SR text, SC header and pixels,
#: GSPS text, KOS description, ``result.json``).
RESEARCH_USE_STATEMENT = ('Research use only. Not a medical device: not '
                          'for diagnosis or treatment decisions.')
#: Short form for 64-character DICOM fields and burned-in pixels.
RESEARCH_USE_LABEL = 'RESEARCH USE ONLY - NOT A MEDICAL DEVICE'

#: Finding of each task: what the model looks for.
FINDINGS = {
    'perforation': codes.DCM.Extravasation,  # DCM 111428
    'thrombus': codes.SCT.Thrombus,  # SCT 396339007
}
#: Human-readable names of the findings (SR tracking identifiers, GSPS).
FINDING_TEXT = {
    'perforation': 'vessel perforation (contrast extravasation)',
    'thrombus': 'thrombus',
}
#: The verdict as the value of the finding's qualitative evaluation.
VERDICT_CODES = {
    'positive': codes.DCM.Present,  # DCM 121053
    'negative': codes.DCM.Absent,  # DCM 121054
    'out_of_scope': codes.SCT.NotEvaluated,  # SCT 373121007
}
#: The model's score (series score / box score) is reported as this.
SCORE = codes.DCM.Probability  # DCM 122157
#: The operating point's threshold.
THRESHOLD = codes.DCM.ThresholdValue  # DCM 122411
#: Dimensionless unit (UCUM "1").
NO_UNITS = codes.UCUM.NoUnits
#: Procedure reported (CID 100).
PROCEDURE = codes.SCT.Angiography  # SCT 77343006
#: SR document title (CID 7021).
SR_TITLE = codes.DCM.ImagingMeasurementReport  # DCM 126000
#: KOS document title (CID 7010).
KOS_TITLE = codes.DCM.OfInterest  # DCM 113000
#: Free text in the SR's root container.
COMMENT = codes.DCM.Comment

TASKS = tuple(FINDINGS)
