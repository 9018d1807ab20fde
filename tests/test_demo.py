"""sklstm.demo: what `make demo` runs."""

import re

import joblib
import pytest

from sklstm import demo


def test_run_demo_returns_its_figures(tmp_path):
    # One small candidate, few epochs: checks the plumbing, not the accuracy.
    output = tmp_path / "small.joblib"
    results = demo.run_demo(
        output,
        param_grid={"lstmclassifier__units": [8], "chartokenizer__max_length": [40]},
        max_epochs=1,
        cv=2,
        verbose=False,
    )
    assert results.best_params == {
        "lstmclassifier__units": 8,
        "chartokenizer__max_length": 40,
    }
    for name in ("cv_accuracy", "lstm_accuracy", "baseline_accuracy"):
        assert 0.0 <= results[name] <= 1.0
    assert results.output == output
    assert output.exists()
    assert len(results.new_predictions) == len(demo.NEW_SENTENCES)
    assert results.temperature > 0
    for quality in results.probability_quality.values():
        assert quality["log_loss"] > 0 and 0 <= quality["ece"] <= 1
    for sentence, label, probability in results.new_predictions:
        assert label in {"negative", "positive"}
        assert 0.5 <= probability <= 1.0


@pytest.mark.slow
def test_main_saves_a_loadable_model_and_prints_both_accuracies(tmp_path, capsys):
    output = tmp_path / "demo-model.joblib"
    assert demo.main(["--output", str(output)]) == 0
    printed = capsys.readouterr().out

    model = joblib.load(output)
    predictions = model.predict(demo.NEW_SENTENCES)
    assert set(predictions) <= {"negative", "positive"}

    lstm = re.search(r"Held-out accuracy, LSTM \(tuned, .*?\): (\d\.\d{3})", printed)
    baseline = re.search(r"Held-out accuracy, TF-IDF.*?(\d\.\d{3})", printed)
    assert lstm is not None, printed
    assert baseline is not None, printed
    assert "Best parameters:" in printed
    assert "predicts identical probabilities" in printed
    assert re.search(r"Probabilities calibrated: temperature_=\d", printed), printed
    assert re.search(r"Held-out probabilities, LSTM: log loss \d", printed), printed
    # Seeded, so the figures are the same on every CPU run; the bounds only
    # check that both models learned (chance is 0.5), not a tuned figure.
    assert float(lstm.group(1)) > 0.6
    assert float(baseline.group(1)) > 0.75


def test_the_default_grid_covers_levels_lengths_units_and_vectors():
    grids = demo.DEFAULT_PARAM_GRID
    levels = {
        (grid["chartokenizer__level"][0], grid.get("chartokenizer__embeddings", [None])[0])
        for grid in grids
    }
    assert levels == {("char", None), ("word", None), ("word", demo.GLOVE)}
    for grid in grids:
        # Both steps get the same vectors, or none.
        assert grid.get("chartokenizer__embeddings") == grid.get("lstmclassifier__embeddings")
        assert len(grid["chartokenizer__max_length"]) > 1
        assert len(grid["lstmclassifier__units"]) > 1
