# Scaling Laws, Reproduced: build the book and run every test from a clean clone.
#   make book   set up .venv, execute every notebook, build the HTML book in _build/html
#   make test   set up .venv, unit tests, nbval over every notebook, strict book build, site test
#   make lab    JupyterLab on the notebooks
#   make clean  remove build outputs (make distclean also removes .venv)
#   make book EDITION=student   the same book without the exercises' solutions, in _build/student
#   make figures                every figure at slide resolution (PNG, >= 200 dpi) with its caption, in _build/figures

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Two cores on the reference machine; override with `make test JOBS=4`.
JOBS ?= 2
# `full` keeps each exercise's solution, folded; `student` leaves them out (sphinx-exercise's
# hide_solutions, set in a configuration scripts/edition_config.py derives from _config.yml).
EDITION ?= full
STUDENT_CONFIG := _build/student/_config.yml

.PHONY: book test unit nbval build-strict site lab clean distclean lock figures

# Published-value checks in the notebooks (nsl_utils.book.Checks) raise in the build and the tests,
# so a broken reproduction fails; in `make lab` they explain instead, so exercises run to the end.
book nbval build-strict figures: export NSL_STRICT = 1

$(STAMP): requirements.txt requirements-lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -c requirements-lock.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
ifeq ($(EDITION),full)
	$(BIN)/jupyter-book build .
	@echo "The book: $(CURDIR)/_build/html/index.html"
else ifeq ($(EDITION),student)
	$(BIN)/python scripts/edition_config.py student --out $(STUDENT_CONFIG)
	$(BIN)/jupyter-book build . --config $(STUDENT_CONFIG) --path-output _build/student
	@echo "The student edition (no solutions): $(CURDIR)/_build/student/_build/html/index.html"
else
	$(error EDITION must be full or student, not "$(EDITION)")
endif

figures: $(STAMP)
	$(BIN)/python scripts/figure_pack.py --out _build/figures --jobs $(JOBS)

test: unit nbval build-strict site

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n $(JOBS) --ignore=tests/test_site.py --ignore=tests/test_interactive.py

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
		-n $(JOBS) --dist loadscope -p no:randomly book/

build-strict: $(STAMP)
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going
	@test -f _build/html/index.html || { echo "error: _build/html is empty"; exit 1; }

site: $(STAMP)
	$(BIN)/python -m pytest tests/test_site.py tests/test_interactive.py

lab: $(STAMP)
	$(BIN)/python -m pip install -q "jupyterlab>=4.2,<5"
	$(BIN)/jupyter lab book/

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements-lock.txt

clean:
	rm -rf _build .pytest_cache .jupyter_cache
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
