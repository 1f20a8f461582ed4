"""No overwrite of files a tool run did not write (mmdsa.utils.fileio)."""
import errno
import os

import pytest

from mmdsa.utils.cli import run_tool
from mmdsa.utils.fileio import (allow_overwrite, atomic_write,
                                check_new_output, output_run,
                                written_by_this_run)


def test_library_calls_replace_as_before(tmp_path):
    target = tmp_path / 'a.json'
    target.write_text('old')
    atomic_write(target, 'new')
    assert target.read_text() == 'new'


def test_a_run_refuses_foreign_files_and_rewrites_its_own(tmp_path):
    user = tmp_path / 'result.json'
    user.write_text('mine')
    own = tmp_path / 'own.json'
    with output_run():
        with pytest.raises(FileExistsError) as info:
            atomic_write(user, 'theirs')
        assert info.value.errno == errno.EEXIST
        assert 'not written by this run' in str(info.value)
        with pytest.raises(FileExistsError):
            check_new_output(user)
        atomic_write(own, '1')
        atomic_write(own, '2')   # written by this run: replaced
        assert written_by_this_run(own)
        check_new_output(own)
    assert user.read_text() == 'mine'
    assert own.read_text() == '2'
    assert not [p for p in os.listdir(tmp_path) if '.tmp' in p]


def test_a_second_run_does_not_replace_the_first_runs_file(tmp_path):
    out = tmp_path / 'o.txt'
    with output_run():
        atomic_write(out, 'first')
    with output_run():
        with pytest.raises(FileExistsError):
            atomic_write(out, 'second')
    with output_run(overwrite=True):
        atomic_write(out, 'third')
    assert out.read_text() == 'third'


def test_overwrite_flag_and_explicit_owner(tmp_path):
    user = tmp_path / 'u.txt'
    user.write_text('mine')
    with output_run():
        atomic_write(user, 'cache', overwrite=True)   # a writer's own file
        assert user.read_text() == 'cache'
        allow_overwrite()
        atomic_write(user, 'asked')
    assert user.read_text() == 'asked'


def test_the_refusal_is_atomic_when_the_name_appears_late(tmp_path):
    """A file created while the new content is written is not replaced."""
    target = tmp_path / 'late.txt'

    def writer(tmp):
        with open(tmp, 'w') as f:
            f.write('ours')
        target.write_text('someone else')   # appears meanwhile

    with output_run():
        with pytest.raises(FileExistsError):
            atomic_write(target, writer=writer)
    assert target.read_text() == 'someone else'
    assert os.listdir(tmp_path) == ['late.txt']


def test_run_tool_opens_a_run(tmp_path, capsys):
    user = tmp_path / 'x.txt'
    user.write_text('mine')

    def main(argv):
        atomic_write(user, 'replaced')

    assert run_tool(main, []) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and str(user) in err
    assert 'pass --overwrite' in err and len(err.splitlines()) == 1
    assert user.read_text() == 'mine'
