"""LSTMTextGenerator: teacher forcing, generation, likelihood scores, contract."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from conftest import fast
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.estimator_checks import check_estimator

from sklstm import LSTMTextGenerator
from sklstm.datasets import load_sentences

HELLO = ["hello world"] * 40


def tiny(**params):
    return fast(LSTMTextGenerator, **params)

@pytest.fixture(scope="module")
def hello_generator():
    return tiny().fit(HELLO)


def test_greedy_generation_continues_the_classic_hello_world(hello_generator):
    assert hello_generator.generate("h", n_tokens=10, temperature=0) == "ello world"
    # a text boundary is written as a newline, then a new "hello world" starts
    assert hello_generator.generate("hello world", n_tokens=6, temperature=0) == "\nhello"


def test_every_position_is_trained_on_its_next_token():
    generator = LSTMTextGenerator(max_length=4, max_epochs=1, units=2).fit(["abca", "b"])
    ids = generator.tokenizer_.vocabulary_
    boundary = generator.boundary_id_
    stream = [boundary, ids["a"], ids["b"], ids["c"], ids["a"], boundary, ids["b"], boundary]
    inputs, targets = generator._windows(["abca", "b"])
    # the stream cut into windows of 4; each target is the next token, and the
    # stream's last token has none (padding, which carries no loss)
    np.testing.assert_array_equal(inputs, [stream[0:4], stream[4:8]])
    np.testing.assert_array_equal(targets, [stream[1:5], stream[5:8] + [0]])


def test_generation_is_reproducible_with_a_seed(hello_generator):
    first = hello_generator.generate("", n_tokens=30, temperature=1.5, random_state=3)
    assert first == hello_generator.generate("", n_tokens=30, temperature=1.5, random_state=3)
    others = {
        hello_generator.generate("", n_tokens=30, temperature=1.5, random_state=seed)
        for seed in range(4, 9)
    }
    assert len(others | {first}) > 1
    assert len(first.replace(" ", "").replace("\n", "")) > 0


def test_same_random_state_gives_the_same_model():
    texts = ["the cat sat", "the dog ran", "a cat ran"] * 5
    first = tiny(max_epochs=3).fit(texts)
    second = tiny(max_epochs=3).fit(texts)
    assert first.score(texts) == second.score(texts)


def test_unknown_prompt_characters_are_out_of_vocabulary(hello_generator):
    text = hello_generator.generate("xyz😀", n_tokens=5, temperature=0)
    assert isinstance(text, str) and len(text) == 5
    assert set(text) <= set("helo wrd\n")


def test_score_is_mean_log_likelihood_and_perplexity_its_exponential(hello_generator):
    score = hello_generator.score(HELLO[:3])
    assert score < 0
    assert hello_generator.perplexity(HELLO[:3]) == pytest.approx(np.exp(-score))
    # the model knows this text far better than a text it never saw
    assert score > hello_generator.score(["dlrow olleh"] * 3)


def test_training_loss_falls(hello_generator):
    losses = [epoch["train_loss"] for epoch in hello_generator.history_]
    assert len(losses) == 60
    assert losses[-1] < 0.2 * losses[0]


def test_word_level_generation_joins_known_words_with_spaces():
    texts = ["the cat sat on the mat", "the dog sat on the log"] * 10
    generator = tiny(level="word", max_length=8).fit(texts)
    words = generator.generate("the", n_tokens=6, temperature=0).split()
    assert len(words) >= 5  # a boundary (newline) may split the text too
    assert set(words) <= set(generator.tokenizer_.vocabulary_)


def test_grid_search_tunes_it_by_likelihood_without_a_scorer():
    texts = ["hello world", "hello there", "world of words"] * 8
    search = GridSearchCV(
        tiny(max_epochs=5), {"units": [2, 32]}, cv=2, error_score="raise"
    ).fit(texts)
    assert search.best_params_ == {"units": 32}
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)


def test_pickle_and_joblib_round_trip(hello_generator, tmp_path):
    path = tmp_path / "generator.joblib"
    joblib.dump(hello_generator, path)
    for loaded in (joblib.load(path), pickle.loads(pickle.dumps(hello_generator))):
        assert loaded.score(HELLO[:2]) == hello_generator.score(HELLO[:2])
        assert loaded.generate("h", 12, temperature=0.8, random_state=1) == (
            hello_generator.generate("h", 12, temperature=0.8, random_state=1)
        )


def test_scikit_learn_contract(hello_generator):
    copy = clone(hello_generator)
    assert copy.get_params() == hello_generator.get_params()
    assert not hasattr(copy, "net_")
    copy.set_params(units=7, level="word")
    assert copy.get_params()["units"] == 7
    for method, args in [("generate", ("h",)), ("score", (HELLO,)), ("perplexity", (HELLO,))]:
        with pytest.raises(NotFittedError, match="LSTMTextGenerator instance is not fitted"):
            getattr(LSTMTextGenerator(), method)(*args)
    refit = tiny(max_epochs=1).fit(["abc"]).fit(["xyz"])
    assert set(refit.tokenizer_.vocabulary_) == {"x", "y", "z"}


def test_common_checks_skip_it_as_a_text_estimator():
    # Like CharTokenizer, a string-input estimator gets only the clone check from
    # scikit-learn; its contract is tested above.
    with pytest.warns(UserWarning, match="Can't test estimator LSTMTextGenerator"):
        report = check_estimator(LSTMTextGenerator(), on_fail=None)
    assert [(r["check_name"], r["status"]) for r in report] == [
        ("check_estimator_cloneable", "passed")
    ]


@pytest.mark.parametrize(
    "texts, match",
    [
        (["fine", None], r"row 1 is missing"),
        (["fine", 3], r"row 1 is of type int"),
        ([], r"got 0 texts"),
        (["", ""], r"empty vocabulary"),
        ("just one string", r"got a single str"),
    ],
)
def test_bad_corpus(texts, match):
    with pytest.raises(ValueError, match=match):
        tiny(max_epochs=1).fit(texts)


def test_bad_generation_arguments(hello_generator):
    message = r"temperature must be a finite number >= 0 \(0 is greedy\), got -0.5"
    with pytest.raises(ValueError, match=message):
        hello_generator.generate("h", temperature=-0.5)
    with pytest.raises(ValueError, match=r"n_tokens must be a non-negative int, got -1"):
        hello_generator.generate("h", n_tokens=-1)
    with pytest.raises(TypeError, match=r"prompt must be a str, got list"):
        hello_generator.generate(["h"])


def test_invalid_parameters_fail_at_fit():
    with pytest.raises(ValueError, match=r"'max_length' parameter of LSTMTextGenerator"):
        LSTMTextGenerator(max_length=0).fit(HELLO)


@pytest.mark.slow
def test_held_out_perplexity_beats_uniform_and_unigram_baselines():
    texts, _ = load_sentences(return_X_y=True)
    train, test = train_test_split(list(texts), test_size=0.2, random_state=0)
    generator = LSTMTextGenerator(max_epochs=10, random_state=0).fit(train)
    perplexity = generator.perplexity(test)
    # Baselines over the same targets (every id but padding: tokens,
    # out-of-vocabulary, boundary): uniform, and the unigram frequencies of the
    # training stream (add-one smoothed).
    n_targets = generator.boundary_id_  # ids 1 .. boundary_id_
    train_ids = generator._token_stream(train)[1:]
    test_ids = generator._token_stream(test)[1:]
    counts = np.bincount(train_ids, minlength=n_targets + 1)[1:] + 1.0
    unigram = np.exp(-np.mean(np.log((counts / counts.sum())[test_ids - 1])))
    print(f"held-out perplexity {perplexity:.2f}, unigram {unigram:.2f}, uniform {n_targets}")
    assert perplexity < 0.5 * unigram < n_targets


def test_generated_text_follows_the_fitted_level_not_a_later_set_params():
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2, random_state=0)
    generator.fit(["hello world"] * 4)
    before = generator.generate("he", n_tokens=6, temperature=0)
    generator.set_params(level="word")  # not refitted: the model still writes characters
    assert generator.generate("he", n_tokens=6, temperature=0) == before


def _generate_by_windows(generator, prompt, n_tokens, temperature, random_state):
    """The reference: read the whole context window again for every token."""
    rng = np.random.RandomState(random_state)
    prompt_ids, _ = generator.tokenizer_.encode([prompt])
    context = [generator.boundary_id_, *prompt_ids.tolist()]
    module = generator.net_.module_.eval()
    written = []
    with torch.inference_mode():
        for _ in range(n_tokens):
            window = torch.as_tensor([context[-generator.max_length :]])
            logits = module(window)[0, -1].double()
            logits[[0, 1]] = -torch.inf
            if temperature == 0:
                next_id = int(logits.argmax())
            else:
                probabilities = torch.softmax((logits - logits.max()) / temperature, 0).numpy()
                next_id = int(rng.choice(len(probabilities), p=probabilities))
            context.append(next_id)
            written.append(next_id)
    return generator._render(written)


@pytest.mark.parametrize("temperature", [0, 1.0])
def test_carrying_the_state_writes_what_reading_the_window_again_writes(temperature):
    generator = LSTMTextGenerator(
        max_length=64, units=16, num_layers=2, max_epochs=3, random_state=0
    ).fit(["hello world, the cat sat on the mat"] * 10)
    # Prompt and continuation within max_length: the two readings are the same.
    carried = generator.generate("the c", n_tokens=40, temperature=temperature, random_state=3)
    expected = _generate_by_windows(generator, "the c", 40, temperature, 3)
    assert carried == expected
