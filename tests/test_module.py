"""The torch module reads each sequence up to its own last token, never padding."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import sklstm._module as lstm_module
from sklstm import LSTMClassifier
from sklstm._module import LSTMNet, compact_token_ids, reverse_within_length

VOCABULARY_SIZE = 12


def place(tokens, width, where, rng=None):
    """Put ``tokens`` in a row of ``width`` zeros: before, after, around or among them."""
    row = np.zeros(width, dtype=np.int64)
    n_pad = width - len(tokens)
    if where == "post":
        row[: len(tokens)] = tokens
    elif where == "pre":
        row[n_pad:] = tokens
    elif where == "around":
        start = n_pad // 2
        row[start : start + len(tokens)] = tokens
    elif where == "scattered":
        positions = np.sort(rng.choice(width, size=len(tokens), replace=False))
        row[positions] = tokens
    return row


def random_sequences(rng, n_rows, max_len):
    lengths = rng.integers(1, max_len + 1, size=n_rows)
    return [rng.integers(2, VOCABULARY_SIZE, size=length) for length in lengths]


def test_compact_token_ids_moves_tokens_first_in_order():
    ids = torch.tensor([[0, 3, 0, 4, 5, 0], [0, 0, 0, 0, 0, 0], [7, 0, 0, 0, 0, 8]])
    compacted, lengths = compact_token_ids(ids)
    assert lengths.tolist() == [3, 0, 2]
    assert compacted.tolist() == [[3, 4, 5], [0, 0, 0], [7, 8, 0]]


def test_compact_token_ids_cuts_rows_that_are_already_compact():
    ids = torch.tensor([[3, 4, 5, 0, 0, 0], [6, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    compacted, lengths = compact_token_ids(ids)
    assert lengths.tolist() == [3, 1, 0]
    assert compacted.tolist() == [[3, 4, 5], [6, 0, 0], [0, 0, 0]]


def test_compact_token_ids_rounds_the_width_up_but_not_past_the_row():
    ids = torch.tensor([[0, 3, 0, 4, 5, 0], [6, 0, 0, 0, 0, 0]])
    assert compact_token_ids(ids, width_multiple=4)[0].tolist() == [[3, 4, 5, 0], [6, 0, 0, 0]]
    assert compact_token_ids(ids, width_multiple=8)[0].shape == (2, 6)


@pytest.mark.parametrize("pooling", ["last", "max", "mean"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_inference_width_rounding_changes_no_output(monkeypatch, pooling, bidirectional):
    # At inference the module reads batches rounded up to a multiple of 8
    # steps; the extra steps stand after every row's end and are never read.
    torch.manual_seed(0)
    net = LSTMNet(
        n_outputs=3, vocabulary_size=VOCABULARY_SIZE, embedding_dim=5, units=7,
        bidirectional=bidirectional, pooling=pooling,
    ).eval()
    rng = np.random.default_rng(1)
    sequences = random_sequences(rng, 10, 5)  # longest 5: rounded up to 8 of 12
    ids = torch.from_numpy(np.stack([place(s, 12, "post") for s in sequences]))
    assert lstm_module.INFERENCE_WIDTH_MULTIPLE == 8
    with torch.no_grad():
        rounded = net(ids)
        monkeypatch.setattr(lstm_module, "INFERENCE_WIDTH_MULTIPLE", 1)
        exact = net(ids)
    np.testing.assert_allclose(rounded.numpy(), exact.numpy(), rtol=0, atol=1e-6)


def test_reverse_within_length_leaves_padding_in_place():
    steps = torch.arange(10.0).reshape(2, 5, 1)
    reversed_steps = reverse_within_length(steps, torch.tensor([3, 5]))
    assert reversed_steps[..., 0].tolist() == [[2, 1, 0, 3, 4], [9, 8, 7, 6, 5]]


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_module_matches_packed_reference_lstm(bidirectional, num_layers):
    # (pooling="last": the packed LSTM's final states are the reference.)
    # The same weights in torch's own LSTM over packed sequences: the reference
    # for "reads each sequence up to its own last token".
    torch.manual_seed(0)
    net = LSTMNet(
        n_outputs=3,
        vocabulary_size=VOCABULARY_SIZE,
        embedding_dim=5,
        units=7,
        num_layers=num_layers,
        bidirectional=bidirectional,
    ).eval()
    reference = nn.LSTM(
        5, 7, num_layers=num_layers, bidirectional=bidirectional, batch_first=True
    )
    with torch.no_grad():
        for layer in range(num_layers):
            directions = [("", net.forward_layers[layer])]
            if bidirectional:
                directions.append(("_reverse", net.backward_layers[layer]))
            for suffix, lstm in directions:
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(reference, f"{name}_l{layer}{suffix}").copy_(
                        getattr(lstm, f"{name}_l0")
                    )
    rng = np.random.default_rng(0)
    sequences = random_sequences(rng, 16, 9)
    ids = torch.from_numpy(np.stack([place(s, 12, "post") for s in sequences]))
    lengths = torch.tensor([len(s) for s in sequences])
    with torch.no_grad():
        packed = pack_padded_sequence(
            net.embedding(ids), lengths, batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = reference(packed)
        if bidirectional:
            summary = torch.cat([h_n[-2], h_n[-1]], dim=1)
        else:
            summary = h_n[-1]
        expected = net.head(summary)
        # Padding placed anywhere must give the same result as packing.
        scattered = torch.from_numpy(
            np.stack([place(s, 12, "scattered", rng) for s in sequences])
        )
        np.testing.assert_allclose(net(ids).numpy(), expected.numpy(), atol=1e-5)
        np.testing.assert_allclose(net(scattered).numpy(), expected.numpy(), atol=1e-5)


@pytest.fixture(
    scope="module",
    params=[(False, "last"), (True, "last"), (False, "max"), (True, "mean")],
    ids=["one-way", "bidirectional", "max-pooled", "bidirectional-mean-pooled"],
)
def fitted_on_token_ids(request):
    rng = np.random.default_rng(1)
    sequences = random_sequences(rng, 80, 10)
    X = np.stack([place(s, 14, "post") for s in sequences])
    y = np.array([int(4 in s) for s in sequences])
    model = LSTMClassifier(
        units=8,
        embedding_dim=4,
        num_layers=2,
        bidirectional=request.param[0],
        pooling=request.param[1],
        max_epochs=3,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    return model, sequences


def test_prediction_ignores_where_padding_stands(fitted_on_token_ids):
    model, sequences = fitted_on_token_ids
    rng = np.random.default_rng(2)
    expected = model.predict_proba(np.stack([place(s, 14, "post") for s in sequences]))
    for where in ["pre", "around", "scattered"]:
        X = np.stack([place(s, 14, where, rng) for s in sequences])
        np.testing.assert_allclose(model.predict_proba(X), expected, atol=1e-5)
    # alone, and inside a batch of other rows
    for row, sequence in enumerate(sequences[:10]):
        alone = model.predict_proba(place(sequence, 14, "pre")[np.newaxis])
        np.testing.assert_allclose(alone[0], expected[row], atol=1e-5)


def test_padding_changes_nothing_that_a_real_token_would(fitted_on_token_ids):
    # The invariance above must not come from a model that ignores its input.
    model, sequences = fitted_on_token_ids
    X = np.stack([place(s, 14, "post") for s in sequences])
    shifted = X.copy()
    shifted[:, 0] = np.where(shifted[:, 0] == 4, 5, 4)
    assert not np.allclose(model.predict_proba(X), model.predict_proba(shifted))


def test_empty_row_gives_a_finite_prediction(fitted_on_token_ids):
    model, _ = fitted_on_token_ids
    proba = model.predict_proba(np.zeros((3, 14), dtype=np.int64))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # alone (a one-row batch takes a shortcut in pooling), as in a batch
    alone = model.predict_proba(np.zeros((1, 14), dtype=np.int64))
    np.testing.assert_allclose(alone, proba[:1], atol=1e-6)


def test_ids_beyond_the_fitted_vocabulary_are_out_of_vocabulary(fitted_on_token_ids):
    model, sequences = fitted_on_token_ids
    X = np.stack([place(s, 14, "post") for s in sequences])
    X[:, -1] = 1
    unseen = X.copy()
    unseen[:, -1] = [model.vocabulary_size_, 10_000] * (len(X) // 2)
    np.testing.assert_array_equal(model.predict_proba(unseen), model.predict_proba(X))


def test_negative_ids_are_refused(fitted_on_token_ids):
    model, sequences = fitted_on_token_ids
    X = np.stack([place(s, 14, "post") for s in sequences])
    X[5, 2] = -3
    with pytest.raises(ValueError, match=r"Token ids must be >= 0.*row 5 holds -3"):
        model.predict(X)


def test_prediction_is_the_same_for_any_container_of_ids(fitted_on_token_ids):
    # 2-D integer arrays skip check_array (a faster path); the rest go through it.
    model, sequences = fitted_on_token_ids
    X = np.stack([place(s, 14, "post") for s in sequences])
    expected = model.predict_proba(X)
    for same in [X.astype(np.int32), X.astype(np.uint8), X.tolist(), X.astype(float)]:
        np.testing.assert_array_equal(model.predict_proba(same), expected)


def test_prediction_switches_a_module_left_in_training_mode_to_eval():
    rng = np.random.default_rng(3)
    X = np.stack([place(s, 14, "post") for s in random_sequences(rng, 40, 10)])
    y = np.arange(40) % 2
    model = LSTMClassifier(units=8, embedding_dim=4, dropout=0.5, max_epochs=1,
                           random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    model.net_.module_.dropout.train()  # dropout active: outputs would vary
    np.testing.assert_array_equal(model.predict_proba(X), expected)
    assert not model.net_.module_.training and not model.net_.module_.dropout.training


def test_keras_style_initialisation():
    net = LSTMNet(n_outputs=2, vocabulary_size=9, embedding_dim=4, units=5, num_layers=2,
                  bidirectional=True)
    for lstm in [*net.forward_layers, *net.backward_layers]:
        bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()
        # gates i, f, g, o: only the forget gate starts open
        np.testing.assert_array_equal(bias.numpy(), [0] * 5 + [1] * 5 + [0] * 10)
        for gate in range(4):
            block = lstm.weight_hh_l0[gate * 5 : (gate + 1) * 5].detach()
            np.testing.assert_allclose((block @ block.T).numpy(), np.eye(5), atol=1e-5)
    assert net.embedding.weight.abs().max() <= 0.05
    assert not net.embedding.weight[0].any()
    torch_default = LSTMNet(n_outputs=2, vocabulary_size=9, initialization="torch")
    assert torch_default.forward_layers[0].bias_ih_l0.abs().sum() > 0
