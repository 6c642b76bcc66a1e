"""Progress lines: one per stage start and end, with elapsed time; failures say so; quiet switch."""

import pytest

from workbench.progress import format_seconds, stage


def test_stage_prints_start_and_done_with_elapsed_time(capsys, monkeypatch):
    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    with stage("outer"):
        with stage("inner"):
            pass
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "[workbench] outer …" and lines[1] == "[workbench]   inner …"
    assert lines[2].startswith("[workbench]   inner: done in ") and lines[3].startswith("[workbench] outer: done in ")


def test_stage_reports_failure_and_reraises(capsys, monkeypatch):
    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    with pytest.raises(RuntimeError):
        with stage("broken"):
            raise RuntimeError("x")
    assert "broken: failed after" in capsys.readouterr().err
    with stage("after"):  # the indentation is restored after a failure
        pass
    assert capsys.readouterr().err.startswith("[workbench] after …")


def test_quiet_switch_and_formatting(capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_QUIET", "1")
    with stage("silent"):
        pass
    assert capsys.readouterr().err == ""
    assert format_seconds(4.24) == "4.2 s" and format_seconds(185) == "3 min 05 s" and format_seconds(3720) == "1 h 02 min"
