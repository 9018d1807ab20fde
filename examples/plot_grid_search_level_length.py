"""
Characters or words? Tuning the level and length with GridSearchCV
==================================================================

Two choices come before any LSTM reads a text: what a token is (a character
or a word) and how many tokens of each text it reads (``max_length``: longer
texts are cut). Both are parameters of ``CharTokenizer``, so
``GridSearchCV`` tunes them like any other, by cross-validation on the
training part, with the LSTM behind the tokenizer in one pipeline.

The data are the 2,000 review sentences shipped with sklstm (Yelp and Amazon,
UCI "Sentiment Labelled Sentences", CC BY 4.0), so this example runs
anywhere. To run in about a minute, every LSTM trains for 20 epochs only;
the figures compare the settings at that budget, not fully trained models.
"""

# %%
# The data and a held-out part
# ----------------------------
# The search sees the training 80 % only; the held-out 20 % scores the
# chosen pipeline once, at the end.
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.2, stratify=labels, random_state=0
)
print(f"{len(texts_train)} sentences to search on, {len(texts_test)} held out")

# %%
# How long are the sentences?
# ---------------------------
# The grid of ``max_length`` depends on the level: a sentence is about five
# times as many characters as words. The share of sentences that each
# ``max_length`` cuts shows which values are worth trying.
LENGTHS = {"char": [25, 50, 100, 150], "word": [5, 10, 20, 40]}

tokens_per_sentence = {}
for level in LENGTHS:
    tokenizer = CharTokenizer(level=level).fit(texts_train)
    tokens_per_sentence[level] = (tokenizer.transform(texts_train) > 0).sum(axis=1)
    lengths = tokens_per_sentence[level]
    print(
        f"{level}: median {np.median(lengths):.0f} tokens, longest {lengths.max()};",
        ", ".join(
            f"max_length={n} cuts {np.mean(lengths > n):.0%}" for n in LENGTHS[level]
        ),
    )

# %%
# The search
# ----------
# A list of two grids: each level with its own lengths, 8 candidates in all,
# 3 folds each. The LSTM's settings stay fixed: exactly 20 epochs (no early
# stopping, so that every candidate trains as long), at a learning rate of
# 0.005 so that 20 epochs are enough to learn something.
model = make_pipeline(
    CharTokenizer(),
    LSTMClassifier(
        units=32, max_epochs=20, learning_rate=0.005, early_stopping=False, random_state=0
    ),
)
param_grid = [
    {"chartokenizer__level": [level], "chartokenizer__max_length": lengths}
    for level, lengths in LENGTHS.items()
]
search = GridSearchCV(model, param_grid, cv=3)
search.fit(texts_train, y_train)

results = search.cv_results_
for level, length, mean, std in zip(
    results["param_chartokenizer__level"],
    results["param_chartokenizer__max_length"],
    results["mean_test_score"],
    results["std_test_score"],
):
    print(f"  {level:<4} max_length={length:<4} accuracy {mean:.3f} +/- {std:.3f}")
print("best:", search.best_params_, f"cross-validated accuracy {search.best_score_:.3f}")
print(f"held-out accuracy of the refitted best pipeline: {search.score(texts_test, y_test):.3f}")

# %%
# A yardstick: TF-IDF of character 2- to 5-grams and a logistic regression
# (what ``make demo`` compares with), on the same folds and held-out part.
baseline = make_pipeline(
    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
    LogisticRegression(max_iter=1000),
)
baseline_cv = cross_val_score(baseline, texts_train, y_train, cv=3).mean()
baseline_test = baseline.fit(texts_train, y_train).score(texts_test, y_test)
print(
    f"TF-IDF + LogisticRegression: cross-validated {baseline_cv:.3f}, "
    f"held-out {baseline_test:.3f}"
)

# %%
# At this budget words win clearly, by some ten points: a word-level
# LSTM reads a dozen steps per sentence and sees "great" or "disappointed"
# as one token, where a character-level one must first learn to spell them
# from about 1,070 sentences per fold. The length matters less than the
# level: keeping only the first 40 % of the tokens costs a few points (two
# to four, one to two standard deviations of the folds), and once
# ``max_length`` covers nearly every sentence a longer one changes nothing
# (padding is never read). And on 1,600 sentences, n-gram counts beat either LSTM by a wide
# margin.

# %%
# Plot the cross-validated scores (when matplotlib is installed)
# --------------------------------------------------------------
# Left, against ``max_length`` itself; right, against the share of the
# training sentences' tokens that the length keeps, which puts the two
# levels on one scale.
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no plot.")

if plt is not None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for level, lengths in LENGTHS.items():
        rows = [
            np.flatnonzero(
                (results["param_chartokenizer__level"] == level)
                & (results["param_chartokenizer__max_length"] == length)
            )[0]
            for length in lengths
        ]
        means = results["mean_test_score"][rows]
        stds = results["std_test_score"][rows]
        kept = [
            np.minimum(tokens_per_sentence[level], length).sum()
            / tokens_per_sentence[level].sum()
            for length in lengths
        ]
        left.errorbar(lengths, means, yerr=stds, marker="o", capsize=3, label=level)
        right.errorbar(kept, means, yerr=stds, marker="o", capsize=3, label=level)
    for axes in (left, right):
        axes.axhline(baseline_cv, color="grey", linestyle="--", label="TF-IDF + LogReg")
    left.set_xscale("log")
    ticks = sorted(set(LENGTHS["char"]) | set(LENGTHS["word"]))
    left.set_xticks(ticks, labels=[str(tick) for tick in ticks])
    left.xaxis.set_minor_locator(plt.NullLocator())
    left.set_xlabel("max_length (tokens, log scale)")
    left.set_ylabel("cross-validated accuracy (3 folds)")
    right.set_xlabel("share of the sentences' tokens kept")
    handles, names = right.get_legend_handles_labels()
    figure.legend(handles, names, loc="lower center", ncol=3, frameon=False)
    figure.suptitle("CharTokenizer level and max_length, LSTMClassifier(units=32), 20 epochs")
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig("grid_search_level_length.png", dpi=100)
