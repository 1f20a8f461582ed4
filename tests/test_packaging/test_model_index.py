"""model-index.yml (read by MMEngine for ``mmdsa::`` and by ``mim search``)
lists exactly the published and demo configs, each once."""
import yaml

from tests.conftest import REPO_ROOT


def test_metafiles_list_every_config_once():
    index = yaml.safe_load((REPO_ROOT / 'model-index.yml').read_text())
    listed = []
    for metafile in index['Import']:
        meta = yaml.safe_load((REPO_ROOT / metafile).read_text())
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections, model
            assert model['Name'] + '.py' == model['Config'].rsplit('/')[-1]
            assert (REPO_ROOT / model['Config']).is_file(), model['Config']
            listed.append(model['Config'])
    on_disk = sorted(
        p.relative_to(REPO_ROOT).as_posix()
        for task in ('perforation', 'thrombus')
        for p in (REPO_ROOT / 'configs' / task).rglob('*.py'))
    assert sorted(listed) == on_disk
