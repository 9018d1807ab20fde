"""
Writing review sentences with LSTMTextGenerator
===============================================

A character-level language model, trained on the 1,600 training sentences
of the review data shipped with sklstm (Yelp and Amazon, UCI "Sentiment
Labelled Sentences", CC BY 4.0). It learns to predict each character from
the ones before it; ``generate`` then writes new text from a prompt, one
character at a time, and ``score`` measures how well it predicts held-out
sentences: the mean log-likelihood per character, so that ``GridSearchCV``
tunes it with no scorer.

The usual yardstick is the *perplexity*, ``exp(-score)``: the number of
equally likely characters the model is, on average, as unsure as. We compare
it with two baselines that need no training loop: guessing uniformly among
all characters, and the unigram model (each character's frequency in the
training sentences, whatever came before).
"""

# %%
# Training and held-out sentences
# -------------------------------
from collections import Counter

import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split

from sklstm import LSTMTextGenerator
from sklstm.datasets import load_sentences

texts, _ = load_sentences(return_X_y=True)  # the labels are not needed
train, held_out = train_test_split(list(texts), test_size=0.2, random_state=0)
print(f"{len(train)} training sentences ({sum(map(len, train))} characters), "
      f"{len(held_out)} held out")

# %%
# Tune the size of the LSTM
# -------------------------
# ``GridSearchCV`` needs no scorer: it calls the generator's ``score``, the
# mean log-likelihood per character of the validation fold (higher is
# better). ``train_test_split`` shuffled the sentences, so each of the two
# folds mixes Yelp and Amazon. A high learning rate and 15 epochs keep the
# whole search to well under a minute; the best candidate is then refitted
# on all 1,600 training sentences.
UNITS = [16, 32, 64, 128]
search = GridSearchCV(
    LSTMTextGenerator(max_epochs=15, learning_rate=0.01, random_state=0),
    {"units": UNITS},
    cv=2,
)
search.fit(train)
cv_perplexity = np.exp(-search.cv_results_["mean_test_score"])
for units, perplexity in zip(UNITS, cv_perplexity):
    print(f"  units={units:<4} cross-validated perplexity {perplexity:.2f}")
generator = search.best_estimator_
print("best:", search.best_params_)

# %%
# Each doubling of ``units`` lowers the perplexity on this grid, so the
# largest LSTM is chosen. The cross-validated figures come from models
# trained on half the training sentences (800 each), which is why the
# refitted model, trained on all 1,600, does better on held-out text below.

# %%
# Held-out perplexity and two baselines
# -------------------------------------
# Every character of a held-out sentence is predicted, and so is the end of
# each sentence (the boundary token that separates texts). A character never
# seen in training counts as "unknown". The uniform guess spreads its
# probability over all of these; the unigram model gives each its training
# frequency (plus one, so that none has probability 0).
vocabulary = list(generator.tokenizer_.vocabulary_)
outcomes = vocabulary + ["<unknown>", "<end of text>"]


def outcome_sequence(sentences):
    known = set(vocabulary)
    for sentence in sentences:
        for character in sentence:
            yield character if character in known else "<unknown>"
        yield "<end of text>"


counts = Counter(outcome_sequence(train))
total = sum(counts[outcome] + 1 for outcome in outcomes)
unigram_log_likelihood = np.mean(
    [np.log((counts[outcome] + 1) / total) for outcome in outcome_sequence(held_out)]
)
lstm_perplexity = generator.perplexity(held_out)
unigram_perplexity = float(np.exp(-unigram_log_likelihood))
uniform_perplexity = len(outcomes)
print("held-out perplexity (lower is better):")
for name, perplexity in [
    (f"LSTMTextGenerator(units={generator.units})", lstm_perplexity),
    ("unigram character frequencies", unigram_perplexity),
    (f"uniform over {len(outcomes)} outcomes", uniform_perplexity),
]:
    print(f"  {name:<32} {perplexity:6.2f}")

# %%
# Generate from a prompt
# ----------------------
# ``temperature=0`` takes the most probable character each time; 0.5
# sharpens the model's distribution before sampling from it; 1.0 samples from
# it as it is. ``random_state`` makes the samples repeatable. A newline in the
# output is the end of a sentence: the model goes on to start another.
prompt = "The food was"
for temperature in (0, 0.5, 1.0):
    continuation = generator.generate(
        prompt, n_tokens=120, temperature=temperature, random_state=0
    )
    print(f"--- temperature {temperature} ---")
    print(prompt + continuation)

# %%
# Greedy decoding soon repeats itself: always taking the likeliest character
# leads back to the most common phrases. Sampling at 1.0 is more varied but
# makes up words; 0.5 sits in between. With 1,600 sentences to learn from,
# the model gets spelling and short phrases right more often than meaning.

# %%
# The LSTM is several times less perplexed than the unigram model: what
# came before a character (the rest of the word, the words before it)
# narrows down what comes next a great deal.

# %%
# Plot perplexity against units (when matplotlib is installed)
# ------------------------------------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no plot.")

if plt is not None:
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(UNITS, cv_perplexity, marker="o", label="LSTM, cross-validated (2 folds)")
    axes.plot(
        [generator.units],
        [lstm_perplexity],
        marker="*",
        markersize=12,
        linestyle="none",
        label="best LSTM refitted, held-out",
    )
    for value, name, style in [
        (unigram_perplexity, "unigram, held-out", "--"),
        (uniform_perplexity, "uniform", ":"),
    ]:
        axes.axhline(value, color="grey", linestyle=style)
        axes.annotate(
            f"{name} ({value:.1f})",
            (UNITS[0], value),
            xytext=(0, 4),
            textcoords="offset points",
            color="dimgrey",
        )
    axes.set_xscale("log", base=2)
    axes.set_xticks(UNITS, labels=[str(units) for units in UNITS])
    axes.xaxis.set_minor_locator(plt.NullLocator())
    axes.set_yscale("log")
    yticks = [4, 8, 16, 32, 64, 128]
    axes.set_yticks(yticks, labels=[str(tick) for tick in yticks])
    axes.yaxis.set_minor_locator(plt.NullLocator())
    axes.set_ylim(3.5, 150)
    axes.set_xlabel("units (size of the LSTM's hidden state)")
    axes.set_ylabel("perplexity per character (log scale)")
    axes.set_title("Character-level language model of review sentences")
    axes.legend(loc="lower left")
    figure.tight_layout()
    figure.savefig("text_generation_perplexity.png", dpi=100)
