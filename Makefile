VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install clean bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -c constraints.txt -e ".[tests]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PYTHON) -m sklstm.demo

test: $(STAMP)
	$(PYTHON) -m pytest $(PYTEST_ARGS)

# One JSON line per benchmark on stdout (`make bench > benchmarks/results.jsonl`);
# the recipe lines are not echoed so that stdout holds nothing else.
# BENCH_ARGS goes to every script, e.g. BENCH_ARGS="--quick" or "--threads 1".
bench: $(STAMP)
	@$(PYTHON) benchmarks/bench_tokenizer.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_fit.py --level char $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_fit.py --level word $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_gridsearch.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_predict.py $(BENCH_ARGS)
	@$(PYTHON) benchmarks/bench_memory.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
