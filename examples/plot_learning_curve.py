"""
Learning curves and early stopping
==================================

With ``early_stopping=True``, ``LSTMClassifier`` holds out part of its
training data, scores the model on it after every epoch, stops once the
validation loss has not improved for ``n_iter_no_change`` epochs, and keeps
the weights of the best epoch. Every epoch is recorded in ``history_``, and
:func:`sklstm.plotting.plot_history` draws it: the usual picture of a
training loss that keeps falling while the validation loss turns back up.

The data are the 2,000 review sentences shipped with sklstm (Yelp and Amazon,
UCI "Sentiment Labelled Sentences", CC BY 4.0), read character by character,
so this example runs anywhere.
"""

# %%
# Fit with early stopping
# -----------------------
# 20 % of the training sentences (stratified) are held out for validation;
# ``max_epochs`` is only an upper bound.
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.2, stratify=labels, random_state=0
)
model = make_pipeline(
    CharTokenizer(level="char"),
    LSTMClassifier(
        units=32,
        embedding_dim=16,
        batch_size=32,
        learning_rate=0.01,
        max_epochs=60,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        random_state=0,
    ),
)
model.fit(texts_train, y_train)

# %%
# What ``history_`` holds
# -----------------------
# One record per epoch: the training loss, the validation loss and the
# validation score (accuracy, for a classifier), and the epoch's duration.
classifier = model[-1]
history = classifier.history_
for record in history:
    print(
        f"epoch {record['epoch']:2d}  train_loss {record['train_loss']:.3f}  "
        f"valid_loss {record['valid_loss']:.3f}  valid_score {record['valid_score']:.3f}"
    )

# Having stopped early, it ran ``n_iter_no_change`` epochs past the last one
# that improved the validation loss, and restored that epoch's weights. (An
# epoch must beat the best loss by a relative 1e-4 to count, as in skorch's
# ``EarlyStopping``.)
print(f"stopped after epoch {classifier.n_iter_} of at most {classifier.max_epochs}")
best = history[classifier.n_iter_ - classifier.n_iter_no_change - 1]  # epochs count from 1
print(
    f"best validation loss {best['valid_loss']:.3f} at epoch {best['epoch']} "
    f"(validation accuracy {best['valid_score']:.3f}); its weights are the ones kept"
)
print(f"best validation accuracy of any epoch: {max(r['valid_score'] for r in history):.3f}")
print(f"held-out accuracy of the kept weights: {model.score(texts_test, y_test):.3f}")

# %%
# The stopping rule watches the loss, not the accuracy: the accuracy of the
# best-loss epoch need not be the best accuracy, and a few points between
# epochs are within the noise of about 320 validation sentences. A
# character-level LSTM on 1,600 sentences learns slowly and overfits soon;
# see :ref:`sphx_glr_auto_examples_plot_grid_search_level_length.py` for
# word-level models, which do better on this data.

# %%
# Plot the learning curves
# ------------------------
# ``plot_history`` draws the training and validation losses by default; the
# accuracy is on another scale, so it gets Axes of its own. The dotted line
# marks the epoch whose weights were kept.
import matplotlib.pyplot as plt

from sklstm.plotting import plot_history

figure, (loss_axes, score_axes) = plt.subplots(1, 2, figsize=(9, 3.5), sharex=True)
plot_history(model, ax=loss_axes)
plot_history(model, ax=score_axes, metrics="valid_score")
for axes in (loss_axes, score_axes):
    axes.axvline(best["epoch"], color="grey", linestyle=":", label="weights kept")
    axes.legend()
score_axes.set_ylabel("validation accuracy")
figure.suptitle("LSTMClassifier, character level, early_stopping=True")
figure.tight_layout()
figure.savefig("learning_curve.png", dpi=100)
print("saved learning_curve.png")
