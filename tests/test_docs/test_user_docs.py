"""The user-facing files carry no internal notes (tracker issue numbers,
remarks about the machines or sessions that built a release, files users
do not have), and the licence and citation files say what setup.py says."""
import re

import pytest

from tests.conftest import REPO_ROOT

#: (pattern, why it is not for users)
INTERNAL = [
    (r'\bissue\s*#?\d+', 'a tracker issue number'),
    (r'papers\.md|anchors\.md|stack\.md|design\.md',
     'a project-internal notes file'),
    (r'\.\./shared|(?<![\w_])/work/', 'a path on the developers\' machines'),
    (r'\b(this|the|last|previous) sessions?\b|\bsessions? that\b',
     'a remark about a work session'),
    (r'\blent to\b', 'a remark about which machines were lent'),
    (r'\bthe integrator\b|\bhelpers?\b(?! function)',
     'a remark about the development process'),
]


def _user_files():
    files = [REPO_ROOT / 'README.md']
    files += sorted((REPO_ROOT / 'docs').glob('*.md'))
    files += sorted((REPO_ROOT / 'configs').glob('**/README.md'))
    return files


@pytest.mark.parametrize('path', _user_files(),
                         ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_internal_notes(path):
    hits = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.lstrip().startswith('<!--'):
            continue  # generator comments are not shown
        for pattern, why in INTERNAL:
            if re.search(pattern, line, re.IGNORECASE):
                hits.append(f'{path.name}:{number}: {why}: {line.strip()}')
    assert not hits, '\n'.join(hits)


def test_the_pattern_list_catches_what_it_should():
    samples = ['fixed in issue 12', 'see ../shared/papers.md',
               'no GPU was lent to the sessions that built this release']
    for text in samples:
        assert any(re.search(p, text, re.IGNORECASE) for p, _ in INTERNAL)
    assert not any(re.search(p, 'the helper function', re.IGNORECASE)
                   for p, _ in INTERNAL)


def test_license_is_the_full_apache_2_text():
    text = (REPO_ROOT / 'LICENSE').read_text()
    assert 'Apache License' in text and 'Version 2.0, January 2004' in text
    assert 'END OF TERMS AND CONDITIONS' in text
    assert len(text.split()) > 1500  # the full text, not a notice
    setup = (REPO_ROOT / 'setup.py').read_text()
    assert "license='Apache License 2.0'" in setup


def test_citation_cff_cites_software_and_both_papers():
    import yaml
    cff = yaml.safe_load((REPO_ROOT / 'CITATION.cff').read_text())
    assert cff['cff-version'] == '1.2.0' and cff['type'] == 'software'
    assert cff['license'] == 'Apache-2.0'
    from mmdsa.version import __version__
    assert cff['version'] == __version__
    dois = {r['doi'] for r in cff['references']}
    assert dois == {'10.1007/s11548-022-02654-8',
                    '10.1016/j.media.2022.102377'}
    for ref in cff['references']:
        assert ref['type'] == 'article' and ref['year'] == 2022
        assert ref['authors'] and ref['title'] and ref['journal']
