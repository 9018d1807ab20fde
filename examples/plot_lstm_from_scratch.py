"""
An LSTM from scratch
====================

What does ``LSTMClassifier`` compute? We fit a small word-level pipeline on
the review sentences shipped with sklstm, then write its forward pass again in
a dozen lines of NumPy: the embedding lookup, the four gates of the LSTM cell,
the linear head and the softmax. Fed the fitted model's weights, the NumPy
version reproduces ``predict_proba`` to float32 rounding, which shows both
what the gates do and that the model reads each text up to its last token,
never the padding. (At character level the code is the same; only a step is a
character instead of a word.)

The data are the 2,000 review sentences shipped with sklstm (Yelp and Amazon,
UCI "Sentiment Labelled Sentences", CC BY 4.0), so this example runs anywhere.
"""

# %%
# A small model to take apart
# ---------------------------
# One unidirectional layer of 32 units over 16-dimensional word embeddings,
# trained for 5 epochs on 1,600 sentences: enough to learn something, and
# quick. (The point here is the arithmetic, not the accuracy.)
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.2, stratify=labels, random_state=0
)
model = make_pipeline(
    CharTokenizer(level="word"),
    LSTMClassifier(
        units=32,
        embedding_dim=16,
        num_layers=1,
        bidirectional=False,
        pooling="last",  # the classic summary: the state after the last token
        early_stopping=False,
        max_epochs=5,
        learning_rate=0.01,
        random_state=0,
    ),
)
model.fit(texts_train, y_train)
print(f"held-out accuracy after 5 epochs: {model.score(texts_test, y_test):.3f}")

# %%
# The fitted weights
# ------------------
# The torch module sits in the skorch net, ``net_.module_``. Each LSTM layer
# (and direction) is its own ``nn.LSTM``, in ``forward_layers``. PyTorch
# stacks the weights of the four gates in one matrix, in the order
# input (``i``), forget (``f``), candidate (``g``), output (``o``):
# ``weight_ih_l0`` of shape ``(4 * units, embedding_dim)`` multiplies the
# input, ``weight_hh_l0`` of shape ``(4 * units, units)`` the previous hidden
# state, and there are two bias vectors, ``bias_ih_l0`` and ``bias_hh_l0``,
# which only ever appear summed.
tokenizer, classifier = model[0], model[-1]
module = classifier.net_.module_
lstm = module.forward_layers[0]


def as_numpy(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


weights = {
    "embedding": as_numpy(module.embedding.weight),
    "W": as_numpy(lstm.weight_ih_l0),
    "U": as_numpy(lstm.weight_hh_l0),
    "b": as_numpy(lstm.bias_ih_l0) + as_numpy(lstm.bias_hh_l0),
    "V": as_numpy(module.head.weight),
    "d": as_numpy(module.head.bias),
}
for name, array in weights.items():
    print(f"{name:>9}: {array.shape}")
# The calibration's temperature (1.0 where the data was too small to fit one).
weights["temperature"] = classifier.temperature_
print(f"temperature_: {classifier.temperature_:.2f}")

# %%
# One step of the LSTM cell
# -------------------------
# At step :math:`t` the cell reads the embedding :math:`x_t` of the current
# word and its own previous hidden state :math:`h_{t-1}`, and carries a
# second vector along, the cell state :math:`c_{t-1}`. Three gates, each a
# sigmoid so between 0 and 1 per unit, decide how much flows where:
#
# .. math::
#
#    i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i)
#    \qquad\text{input gate: how much of the candidate to write} \\
#    f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f)
#    \qquad\text{forget gate: how much of the old cell state to keep} \\
#    o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o)
#    \qquad\text{output gate: how much of the cell state to show}
#
# and a candidate, between -1 and 1, proposes what to write:
#
# .. math::
#
#    g_t = \tanh(W_g x_t + U_g h_{t-1} + b_g)
#
# The new cell state keeps a share of the old one and adds a share of the
# candidate; the hidden state, which the next step and the head read, is the
# squashed cell state seen through the output gate:
#
# .. math::
#
#    c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
#    h_t &= o_t \odot \tanh(c_t)
#
# with :math:`\odot` the element-wise product and :math:`h_0 = c_0 = 0`. The
# cell state changes only by this element-wise sum, with no matrix product in
# the way: along it, what the cell stored early in the text can survive (and
# gradients can flow back) over many steps, for as long as the forget gate
# stays near 1. Each :math:`W_\cdot` is one quarter of ``weight_ih_l0``, each
# :math:`U_\cdot` one quarter of ``weight_hh_l0`` and each :math:`b_\cdot` one
# quarter of the summed biases, in PyTorch's order i, f, g, o.


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_layer(inputs, W, U, b):
    """Run one LSTM layer over ``inputs`` (n_steps, n_features); return every h_t."""
    units = U.shape[1]
    h, c = np.zeros(units), np.zeros(units)
    hidden_states = []
    for x in inputs:
        i, f, g, o = np.split(W @ x + U @ h + b, 4)  # PyTorch's order: i, f, g, o
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c = f * c + i * g
        h = o * np.tanh(c)
        hidden_states.append(h)
    return np.array(hidden_states)


# %%
# From a row of token ids to class probabilities
# ----------------------------------------------
# ``CharTokenizer`` pads each row with zeros to the longest text (after the
# text, or before it with ``padding='pre'``). The model never reads them: it
# keeps each row's non-zero ids, in order, and takes the
# hidden state after the text's last real token, :math:`h_T`, as the
# summary of the text. A linear head turns it into one score per class and
# the softmax, at the temperature :math:`T` fitted on held-out rows (see the
# user guide, "Probabilities and calibration"), into probabilities:
#
# .. math::
#
#    z = V h_T + d, \qquad
#    p_k = \frac{e^{z_k / T}}{\sum_j e^{z_j / T}}
#
# (The dropout before the head is off at prediction time. An id that the
# classifier never saw in ``fit`` is read as out-of-vocabulary, id 1, as
# ``predict_proba`` does.)


def softmax(z):
    exp = np.exp(z - z.max())
    return exp / exp.sum()


def predict_proba_numpy(token_ids, weights):
    probabilities = []
    for row in token_ids:
        row = np.where(row >= len(weights["embedding"]), 1, row)
        x = weights["embedding"][row[row != 0]]  # the real tokens only
        h_last = lstm_layer(x, weights["W"], weights["U"], weights["b"])[-1]
        scores = weights["V"] @ h_last + weights["d"]
        probabilities.append(softmax(scores / weights["temperature"]))
    return np.array(probabilities)


# %%
# Does it match?
# --------------
# On the 400 held-out sentences, the NumPy pass (in float64) and
# ``predict_proba`` (torch, float32) agree to float32 rounding:
token_ids = tokenizer.transform(texts_test)
proba_numpy = predict_proba_numpy(token_ids, weights)
proba_model = model.predict_proba(texts_test)
difference = np.abs(proba_numpy - proba_model).max()
print(f"max |NumPy - predict_proba| over {len(texts_test)} sentences: {difference:.1e}")
assert difference < 1e-5

# %%
# Reading the padding would change the answer: feed the same rows to the
# NumPy cell with their trailing zeros (the embedding of id 0 is a zero
# vector, but the biases and :math:`h_{t-1}` keep the cell moving), and the
# probabilities drift away from the model's.


def predict_proba_reading_padding(token_ids, weights):
    probabilities = []
    for row in token_ids:
        x = weights["embedding"][row]  # padding included
        h_last = lstm_layer(x, weights["W"], weights["U"], weights["b"])[-1]
        scores = weights["V"] @ h_last + weights["d"]
        probabilities.append(softmax(scores / weights["temperature"]))
    return np.array(probabilities)


drift = np.abs(predict_proba_reading_padding(token_ids, weights) - proba_model).max()
print(f"the same, reading padding too: max difference {drift:.2f}")

# %%
# The model's opinion, word by word
# ---------------------------------
# Because the forward pass never looks ahead, the hidden state after the
# :math:`t`-th word is the summary the model would make of the text cut
# there. Passing every :math:`h_t` through the head shows how the probability
# of "positive" moves as the sentence is read.
sentence = "The food was great, but the service was slow and rude."
row = tokenizer.transform([sentence])[0]
row = np.where(row >= len(weights["embedding"]), 1, row)
words = tokenizer.inverse_transform([row])[0].split(" ")  # lowercased, one per step
hidden_states = lstm_layer(
    weights["embedding"][row[row != 0]], weights["W"], weights["U"], weights["b"]
)
positive = classifier.classes_.tolist().index(1)
running = np.array(
    [
        softmax((weights["V"] @ h + weights["d"]) / weights["temperature"])[positive]
        for h in hidden_states
    ]
)
for word, probability in zip(words, running):
    print(f"  {word:<8} P(positive) = {probability:.2f}")
print(f"predict_proba of the whole sentence: {model.predict_proba([sentence])[0, positive]:.2f}")

# %%
# The opinion swings with the words that carry sentiment ("great", "slow"),
# and only the *last* hidden state counts: whatever the cell kept of "great",
# by the end of this sentence "slow and rude" weigh more. A
# bidirectional model (``bidirectional=True``) adds a second layer of the
# same cell that reads each text from its last token back to its first, and
# joins its final hidden state to :math:`h_T`; stacked layers
# (``num_layers=2``) feed the sequence of :math:`h_t` of one layer as the
# inputs :math:`x_t` of the next. The test suite checks both against the
# same NumPy cell (``tests/test_from_scratch.py``).

# %%
# Plot (when matplotlib is installed)
# -----------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no plot.")

if plt is not None:
    figure, axes = plt.subplots(figsize=(9, 3))
    axes.plot(np.arange(len(running)), running, marker=".")
    axes.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    axes.set_xticks(np.arange(len(words)), labels=words)
    axes.set_ylim(0, 1)
    axes.set_ylabel("P(positive)")
    axes.set_title("The model's opinion after each word (NumPy forward pass)")
    figure.tight_layout()
    figure.savefig("lstm_from_scratch.png", dpi=100)
    print("saved lstm_from_scratch.png")
