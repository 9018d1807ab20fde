"""
Two toy tasks in a handful of lines
===================================

The two smallest tasks of the LSTM tutorials, each written the scikit-learn
way: four sentences labelled positive or negative, read character by
character, and the "next number" of a short rising sequence. Neither says
anything about real data (four sentences teach a model little beyond those
four sentences), but they show the whole API at a glance: ``fit`` on raw
texts or on numbers, ``predict`` returning labels or values.
"""

# %%
# Sentiment of four sentences, at character level
# -----------------------------------------------
# ``CharTokenizer`` turns each sentence into a row of character ids, and
# ``LSTMClassifier`` learns the labels from them; the pipeline takes raw
# strings and returns the labels as given (strings here, not 0/1). Four
# sentences are too few to hold some out for early stopping, so the model
# trains for all its 50 epochs on all four.
import numpy as np
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor

texts = ["I love this!", "This is great", "I hate this.", "This is awful"]
labels = ["positive", "positive", "negative", "negative"]

classifier = make_pipeline(
    CharTokenizer(level="char"),
    LSTMClassifier(
        units=16, max_epochs=50, learning_rate=0.01, early_stopping=False, random_state=0
    ),
)
classifier.fit(texts, labels)
print("training sentences:", classifier.predict(texts))

# %%
# Sentences it has not seen: four examples are far too few to learn what
# "positive" means, so the model answers from the characters a new sentence
# shares with the training ones: "This is terrible", for one, starts like
# "This is great" and is called positive, and "What a great day" may well
# come out negative.
new_texts = ["I love it", "I hate mondays", "What a great day", "This is terrible"]
probabilities = classifier.predict_proba(new_texts)
positive = list(classifier.classes_).index("positive")
for text, label, row in zip(new_texts, classifier.predict(new_texts), probabilities):
    print(f"  {label:<8} (p(positive)={row[positive]:.2f})  {text}")

# %%
# The next number of a sequence
# -----------------------------
# Three windows of three numbers, each followed by the next number. A float
# array is read as numeric sequences, one value per step.
X = np.array([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]])
y = np.array([0.4, 0.5, 0.6])

regressor = LSTMRegressor(units=16, max_epochs=200, learning_rate=0.01, random_state=0)
regressor.fit(X, y)
print("training windows:", regressor.predict(X).round(3))
print("after [0.4, 0.5, 0.6]:", regressor.predict(np.array([[0.4, 0.5, 0.6]])).round(3))

# %%
# The model fits the three training targets almost exactly, but the answer
# for ``[0.4, 0.5, 0.6]`` falls short of 0.7: the new window lies beyond
# every training window, and an LSTM (whose gates saturate) does not
# extrapolate a trend it saw three points of.

# %%
# Training curves (when matplotlib is installed)
# ----------------------------------------------
# ``history_`` holds one record per epoch: the training loss of each model.
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no plot.")

if plt is not None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    lstm = classifier[-1]
    left.plot(
        [epoch["epoch"] for epoch in lstm.history_],
        [epoch["train_loss"] for epoch in lstm.history_],
    )
    left.set_title("Four sentences: LSTMClassifier")
    left.set_ylabel("training loss (cross-entropy)")
    right.plot(
        [epoch["epoch"] for epoch in regressor.history_],
        [epoch["train_loss"] for epoch in regressor.history_],
    )
    right.set_title("Next number: LSTMRegressor")
    right.set_ylabel("training loss (MSE, standardised y)")
    for axes in (left, right):
        axes.set_xlabel("epoch")
        axes.set_yscale("log")
    figure.tight_layout()
    figure.savefig("toy_tasks_training_loss.png", dpi=100)
