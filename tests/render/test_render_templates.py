"""User templates: fallback to built-ins, located errors, and all-or-nothing output."""

from __future__ import annotations

import pytest

from healthscore.errors import HealthscoreError, TemplateError
from healthscore.render import render_run
from healthscore.render.env import TEMPLATES, Templates, builtin_template_dir


def test_builtin_templates_exist_and_compile():
    folder = builtin_template_dir()
    for name in TEMPLATES:
        assert (folder / name).is_file()
    Templates()


def test_user_template_overrides_one_page_rest_falls_back(run, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "scorecard.md.j2").write_text(
        "CUSTOM {{ customer.name | md }} {{ customer.score | score }}\n", encoding="utf-8")
    result = render_run(run, tmp_path / "out", template_dir=mine, jobs=1)
    md = sorted((result.out_dir / "customers").glob("*.md"))[0].read_text(encoding="utf-8")
    assert md.startswith("CUSTOM ")
    html = sorted((result.out_dir / "customers").glob("*.html"))[0].read_text(encoding="utf-8")
    assert "Score breakdown" in html  # built-in scorecard.html.j2


def test_user_partial_override_applies_to_builtin_pages(run, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "_style.css").write_text("body { color: #123456; }\n", encoding="utf-8")
    result = render_run(run, tmp_path / "out", template_dir=mine, jobs=1)
    assert "#123456" in result.portfolio.read_text(encoding="utf-8")


def test_syntax_error_names_file_and_line(run, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    bad = mine / "portfolio.html.j2"
    bad.write_text("<h1>ok</h1>\n<p>fine</p>\n{% for c in customers %}\n{{ c.name }\n",
                   encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        render_run(run, tmp_path / "out", template_dir=mine, jobs=1)
    problem = err.value.problems[0]
    assert problem.file == str(bad) and problem.line == 4
    assert f"{bad}:4:" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_runtime_error_names_file_and_line(run, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    bad = mine / "scorecard.md.j2"
    bad.write_text("# {{ customer.name }}\n\n{{ customer.nmae }}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        render_run(run, tmp_path / "out", template_dir=mine, jobs=1)
    problem = err.value.problems[0]
    assert (problem.file, problem.line) == (str(bad), 3)
    assert "nmae" in problem.message


def test_error_in_a_parallel_worker_is_located_too(tmp_path):
    import healthscore
    from tests.render import render_sample
    from tests.render.conftest import WEIGHTS

    big = healthscore.score_run(render_sample.customers(500), WEIGHTS, as_of=render_sample.AS_OF)
    mine = tmp_path / "mine"
    mine.mkdir()
    bad = mine / "scorecard.html.j2"
    bad.write_text("<p>{{ customer.name }}</p>\n<p>{{ 1 / 0 }}</p>\n", encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        render_run(big, tmp_path / "out", template_dir=mine, jobs=2)
    assert (err.value.problems[0].file, err.value.problems[0].line) == (str(bad), 2)
    assert "ZeroDivisionError" in err.value.problems[0].message


def test_failure_keeps_previous_output(run, tmp_path):
    out = tmp_path / "report"
    first = render_run(run, out, jobs=1)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    mine = tmp_path / "mine"
    mine.mkdir()
    # fails late: only while rendering the outreach page, after every scorecard was written
    (mine / "outreach.md.j2").write_text("{{ entries[0].customer.no_such_field }}\n")
    with pytest.raises(TemplateError):
        render_run(run, out, template_dir=mine, jobs=1)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert first.portfolio.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "report"]  # no temp folders


def test_rerender_replaces_previous_output(run, tmp_path):
    out = tmp_path / "report"
    render_run(run, out, jobs=1)
    (out / "customers" / "stale-leftover.html").write_text("old")
    render_run(run, out, jobs=1)
    assert not (out / "customers" / "stale-leftover.html").exists()


def test_refuses_to_replace_a_foreign_folder(run, tmp_path):
    precious = tmp_path / "Documents"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    with pytest.raises(HealthscoreError, match="not written by"):
        render_run(run, precious, jobs=1)
    assert (precious / "thesis.docx").read_text() == "years of work"


def test_missing_template_folder_is_an_error(run, tmp_path):
    with pytest.raises(TemplateError, match="does not exist"):
        render_run(run, tmp_path / "out", template_dir=tmp_path / "nope")


def test_error_in_a_user_partial_is_located_before_writing(run, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    bad = mine / "_macros.html.j2"
    bad.write_text("{% macro tier_pill(name, color) %}\n{% if %}\n{% endmacro %}\n")
    with pytest.raises(TemplateError) as err:
        render_run(run, tmp_path / "out", template_dir=mine, jobs=1)
    assert (err.value.problems[0].file, err.value.problems[0].line) == (str(bad), 2)
    assert not (tmp_path / "out").exists()
