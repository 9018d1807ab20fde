"""predict_proba is an LSTM written out in NumPy: embedding, gates, head, softmax.

The NumPy forward pass below re-derives the model from PyTorch's published
LSTM equations (gate order i, f, g, o; both bias vectors), reading each row's
non-zero ids only, and is fed the fitted weights. It is the check that the
module computes exactly that, wherever the tokenizer puts the padding, for
stacked and bidirectional LSTMs too (examples/plot_lstm_from_scratch.py walks
through the one-layer case).
"""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier

# Texts to check on: seen ones, unseen ones, one with characters never seen in
# fit (read out-of-vocabulary) and a one-character one.
CHECK_TEXTS = [
    "the food was good",
    "our waiter was vile",
    "this place was awful and the room was fine",
    "WOW!! great 🎉",
    "x",
]


def _numpy(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _lstm_layer(inputs, lstm):
    """Every hidden state of one single-layer ``nn.LSTM`` over ``inputs``."""
    W, U = _numpy(lstm.weight_ih_l0), _numpy(lstm.weight_hh_l0)
    b = _numpy(lstm.bias_ih_l0) + _numpy(lstm.bias_hh_l0)
    h = c = np.zeros(U.shape[1])
    hidden_states = []
    for x in inputs:
        i, f, g, o = np.split(W @ x + U @ h + b, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        hidden_states.append(h)
    return np.array(hidden_states)


def numpy_predict_proba(classifier, token_ids):
    module = classifier.net_.module_
    embedding = _numpy(module.embedding.weight)
    head_weight, head_bias = _numpy(module.head.weight), _numpy(module.head.bias)
    probabilities = []
    for row in token_ids:
        row = np.where(row >= len(embedding), 1, row)  # unseen ids: out-of-vocabulary
        steps = embedding[row[row != 0]]
        for depth, forward_lstm in enumerate(module.forward_layers):
            outputs = _lstm_layer(steps, forward_lstm)
            if module.backward_layers:
                backward = _lstm_layer(steps[::-1], module.backward_layers[depth])
                outputs = np.hstack([outputs, backward[::-1]])
            steps = outputs
        units = module.forward_layers[-1].hidden_size
        # Forward: the state after the last token; backward: after the first.
        summary = np.concatenate([steps[-1, :units], steps[0, units:]])
        scores = (head_weight @ summary + head_bias) / classifier.temperature_
        exp = np.exp(scores - scores.max())
        probabilities.append(exp / exp.sum())
    return np.array(probabilities)


@pytest.mark.parametrize("padding", ["post", "pre"])
@pytest.mark.parametrize(
    "num_layers, bidirectional, dropout",
    [(1, False, 0.0), (2, False, 0.3), (1, True, 0.0), (2, True, 0.3)],
    ids=["1-layer", "2-layer", "1-layer-bidirectional", "2-layer-bidirectional"],
)
def test_predict_proba_is_the_numpy_lstm(
    toy_sentiment_sentences, padding, num_layers, bidirectional, dropout
):
    texts, labels = toy_sentiment_sentences
    model = make_pipeline(
        CharTokenizer(padding=padding),
        LSTMClassifier(
            units=8,
            embedding_dim=6,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,  # active in fit, off in predict_proba
            pooling="last",  # the NumPy pass reads the state after the last token
            max_epochs=3,
            learning_rate=0.01,
            random_state=0,
        ),
    ).fit(texts, labels)
    check_texts = [*texts[:8], *CHECK_TEXTS]
    token_ids = model[0].transform(check_texts)
    assert (token_ids == 1).any(), "CHECK_TEXTS should hold out-of-vocabulary characters"
    expected = numpy_predict_proba(model[-1], token_ids)
    np.testing.assert_allclose(model.predict_proba(check_texts), expected, rtol=0, atol=1e-5)

