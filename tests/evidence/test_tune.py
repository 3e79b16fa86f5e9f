"""`tune` on a workload where the truth is known: it meets the bar, and writes a weight file
that loads, says how it was made, and never replaces one."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

import healthscore
from healthscore.errors import DataError
from healthscore.evidence.fit import fit_rule, fit_weights
from healthscore.evidence.runs import score_history


@pytest.fixture(scope="module")
def tuned(workload, tmp_path_factory):
    from healthscore.evidence.tune import tune

    customers, outcomes, wf, _ = workload
    target = tmp_path_factory.mktemp("tune") / "tuned.yaml"
    return tune(lambda w: score_history(customers, w), outcomes, wf, target,
                expected_loss=True, rounds=20)


def test_tuned_weights_meet_the_bar(tuned):
    before = tuned.before.overall.auc.auc
    after = tuned.after.overall.auc.auc
    assert after > before + 0.01                       # beats the hand-set weights
    assert after >= tuned.unconstrained_auc - 0.02     # the explainable form costs little
    assert tuned.validate_dates[0] > tuned.train_dates[-1]  # judged on later runs only


def test_directions_and_transforms_come_from_the_data(tuned):
    fits = {f.name: f for f in tuned.fits}
    assert fits["login_trend"].direction == "higher is worse"  # the hand-set file says better
    assert fits["active_users"].direction == "higher is better"
    assert fits["open_tickets"].transform == "log"             # the truth acts on log(1 + n)
    assert fits["active_users"].transform == "linear"
    weights = {f.name: f.weight for f in tuned.fits}
    for strong in ("active_users", "days_overdue", "expansion", "open_tickets"):
        for noise in ("nps", "feature_adoption", "resolution_time", "renewal"):
            assert weights[strong] > 3 * weights[noise], (strong, noise)


def test_written_file_loads_and_says_how_it_was_made(tuned):
    text = tuned.path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("#")]
    assert max(map(len, lines)) <= 100
    header = " ".join(line[1:].strip() for line in lines)
    assert (f"{tuned.before.overall.auc.auc:.3f} with the given weights -> "
            f"{tuned.after.overall.auc.auc:.3f}") in header
    assert f"unconstrained logistic regression {tuned.unconstrained_auc:.3f}" in header
    wf = healthscore.load_weights(tuned.path)
    assert wf.priority_kind == "expected_loss"
    p = [b.p for b in wf.priority.expected_loss.bands]
    assert p == sorted(p, reverse=True)  # a lower score never means a smaller risk
    body = yaml.safe_load(text)
    assert body["signals"]["login_trend"]["score"]["linear"][0] > \
        body["signals"]["login_trend"]["score"]["linear"][1]  # scores 100 at its low end


def test_never_overwrites(workload, tuned):
    from healthscore.evidence.tune import tune

    customers, outcomes, wf, _ = workload
    before = tuned.path.read_bytes()
    with pytest.raises(DataError, match="never replaces"):
        tune(lambda w: score_history(customers, w), outcomes, wf, tuned.path)
    assert tuned.path.read_bytes() == before


def test_fit_weights_matches_scikit_learn_when_the_constraint_does_not_bind():
    rng = np.random.default_rng(0)
    X = rng.random((4000, 3))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(1.5 - X @ np.array([2.0, 1.0, 3.0]))))).astype(int)
    w, b = fit_weights(X, y, l1=0.0, l2=0.0)
    free = LogisticRegression(C=np.inf, max_iter=5000, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(w, -free.coef_[0], atol=2e-3)
    assert b == pytest.approx(free.intercept_[0], abs=2e-3)
    w_bound, _ = fit_weights(np.column_stack([X, 1 - X[:, 0]]), y)
    assert (w_bound >= 0).all()


def test_a_signal_without_variance_is_refused():
    with pytest.raises(DataError, match="signal `flat` has no variance"):
        fit_rule("flat", np.full(100, 3.0), np.r_[np.ones(50), np.zeros(50)])


@pytest.mark.parametrize("l1, l2, key, found", [
    (float("inf"), 1e-3, "--l1", "inf"), (float("nan"), 1e-3, "--l1", "nan"),
    (0.0, -1.0, "--l2", "-1"), (0.0, float("inf"), "--l2", "inf")])
def test_a_penalty_that_is_not_a_finite_number_writes_nothing(workload, tmp_path, l1, l2, key,
                                                              found):
    """Issue 20: `--l1 inf` stopped the fit where it started and wrote equal weights as if
    they were fitted."""
    from healthscore.evidence.tune import tune

    customers, outcomes, wf, _ = workload
    with pytest.raises(DataError, match=f"{key}: a penalty is a finite number, 0 or more; "
                                        f"found {found}"):
        tune(lambda w: score_history(customers, w), outcomes, wf, tmp_path / "t.yaml", l1=l1,
             l2=l2)
    assert list(tmp_path.iterdir()) == []


def test_tune_l1_inf_on_the_command_line(tmp_path, cli):
    (tmp_path / "w.yaml").write_text("version: 1\nname: t\nsignals:\n  csat:\n"
                                     "    score: {linear: [0, 100]}\n")
    proc = cli("tune", "-w", "w.yaml", "-c", "h.csv", "--outcomes", "o.csv", "-o", "t.yaml",
               "--l1", "inf")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "--l1: a penalty is a finite number, 0 or more; found inf" in proc.stderr
    assert not (tmp_path / "t.yaml").exists()
