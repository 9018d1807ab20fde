VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
# Extra sphinx-build options, e.g. SPHINXOPTS="-D plot_gallery=0" to build the
# docs without running the gallery's examples.
SPHINXOPTS ?=

.PHONY: demo test install clean bench bench-keras docs

$(STAMP): pyproject.toml constraints.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -c constraints.txt -e ".[tests]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PYTHON) -m sklstm.demo

# ruff (configured in pyproject.toml) first: a lint error fails before the tests run.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PYTHON) -m pytest $(PYTEST_ARGS)

$(DOCS_STAMP): $(STAMP)
	$(PYTHON) -m pip install --quiet -c constraints.txt -e ".[docs]"
	touch $(DOCS_STAMP)

# The HTML pages in docs/_build/html; every example of the gallery runs, and
# any warning fails the build.
docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -b html $(SPHINXOPTS) docs docs/_build/html

# One JSON line per benchmark on stdout (`make bench > benchmarks/results.jsonl`);
# the recipe lines are not echoed so that stdout holds nothing else.
# BENCH_ARGS goes to every script, e.g. BENCH_ARGS="--quick" or "--threads 1".
bench: $(STAMP)
	@$(PYTHON) benchmarks/bench_tokenizer.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_fit.py --level char $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_fit.py --level word $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_gridsearch.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_predict.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_onnx.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_memory.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_threads.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_training.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_generate.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_vectors.py $(BENCH_ARGS)

# bench_fit.py's optional Keras reference (TensorFlow with masking) needs
# TensorFlow, which sklstm does not: it lives in an environment of its own.
KERAS_VENV := .venv-keras
KERAS_STAMP := $(KERAS_VENV)/.installed

$(KERAS_STAMP): pyproject.toml constraints.txt
	test -x $(KERAS_VENV)/bin/python || python3 -m venv $(KERAS_VENV)
	$(KERAS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(KERAS_VENV)/bin/python -m pip install --quiet -c constraints.txt -e . tensorflow-cpu
	touch $(KERAS_STAMP)

bench-keras: $(KERAS_STAMP)
	@$(KERAS_VENV)/bin/python benchmarks/bench_fit.py --level char --no-packed $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(KERAS_VENV) build *.egg-info
	rm -rf docs/_build docs/auto_examples docs/gen_modules docs/sg_execution_times.rst
