# Scaling Laws, Reproduced: build the book and run every test from a clean clone.
#   make book   set up .venv, execute every notebook, build the HTML book in _build/html
#   make test   set up .venv, unit tests, nbval over every notebook, strict book build, site test
#               (and the lab edition in JupyterLab, the PDF)
#   make lab    JupyterLab (with jupyterlab-myst) on the executed notebooks, readable as in the book
#   make clean  remove build outputs (make distclean also removes .venv)
#   make book EDITION=student   the same book without the exercises' solutions, in _build/student
#   make figures                every figure at slide resolution (PNG, >= 200 dpi) with its caption, in _build/figures
#   make pdf                    the whole book as one PDF, _build/pdf/book.pdf (needs TeX Live: TEXLIVE_APT below)

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
# The PDF: Jupyter Book's LaTeX route (xelatex), with its own Sphinx environment under _build/pdf and
# the HTML build's jupyter cache (the configuration scripts/pdf_config.py derives from _config.yml).
PDF_CONFIG := _build/pdf/_config.yml
# Debian's packages for `make pdf` and its test (installed by .ci/run): TeX Live, the fonts Sphinx
# sets for xelatex, and poppler-utils for tests/test_pdf.py. Not texlive-fonts-extra (1.4 GB): the
# one package of it the LaTeX needs has a stand-in, latex/bbm.sty.
TEXLIVE_APT := texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf poppler-utils

.PHONY: book test unit nbval build-strict site lab lab-test clean distclean lock figures pdf pdf-test texlive-packages

# Published-value checks in the notebooks (nsl_utils.book.Checks) raise in the build and the tests,
# so a broken reproduction fails; in `make lab` they explain instead, so exercises run to the end.
book nbval build-strict figures pdf: export NSL_STRICT = 1

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

# Strict like build-strict (-W -n: zero Sphinx warnings); a LaTeX error stops the build and its
# first lines are shown. Executes only the notebooks the jupyter cache lacks.
pdf: $(STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { echo "error: make pdf needs TeX Live:" \
		"sudo apt-get install -y --no-install-recommends $(TEXLIVE_APT)"; exit 1; }
	rm -f _build/pdf/book.pdf
	$(BIN)/python scripts/pdf_config.py --out $(PDF_CONFIG)
	LATEXMKOPTS=-silent LATEXOPTS="-halt-on-error -file-line-error" $(BIN)/jupyter-book build . \
		--builder pdflatex --path-output _build/pdf --config $(PDF_CONFIG) -W -n --keep-going \
		|| { grep -h -A3 -E '^(\./)?book\.tex:[0-9]+:' _build/pdf/_build/latex/book.log 2>/dev/null | head -20; exit 1; }
	cp _build/pdf/_build/latex/book.pdf _build/pdf/book.pdf
	@echo "The PDF: $(CURDIR)/_build/pdf/book.pdf"

texlive-packages:
	@echo $(TEXLIVE_APT)

test: unit nbval build-strict site lab-test pdf-test

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n $(JOBS) --ignore=tests/test_site.py --ignore=tests/test_interactive.py \
		--ignore=tests/test_pdf.py --ignore=tests/test_lab.py

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
		-n $(JOBS) --dist loadscope -p no:randomly book/

build-strict: $(STAMP)
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going
	@test -f _build/html/index.html || { echo "error: _build/html is empty"; exit 1; }

# Two processes: each browser-test module holds its own Playwright session, and two cannot share one.
site: $(STAMP)
	$(BIN)/python -m pytest tests/test_site.py
	$(BIN)/python -m pytest tests/test_interactive.py

# After build-strict: a chapter of the lab edition in a real JupyterLab with jupyterlab-myst, the
# page downloads, and the lab edition of every chapter of that build (tests/test_lab_edition.py).
lab-test: $(STAMP)
	$(BIN)/python -m pytest tests/test_lab.py tests/test_lab_edition.py

# After build-strict, whose jupyter cache the PDF reuses. Without TeX Live no PDF is made and
# tests/test_pdf.py skips, except under CI=true, where it fails.
pdf-test: $(STAMP)
	@if command -v xelatex >/dev/null && command -v latexmk >/dev/null; then $(MAKE) --no-print-directory pdf; \
	else echo "no TeX Live (xelatex, latexmk): no PDF made, tests/test_pdf.py skips (fails under CI=true)"; fi
	$(BIN)/python -m pytest tests/test_pdf.py

# The lab edition (scripts/lab_edition.py): the book's executed notebooks with glued numbers,
# references, citations and folded solutions resolved, in _build/lab/book, opened in JupyterLab with
# jupyterlab-myst. Builds the book first when a notebook or page changed since the last build (the
# jupyter cache re-executes only those). A notebook you changed in _build/lab is kept.
LAB_ENV := _build/.doctrees/environment.pickle
$(LAB_ENV): $(wildcard book/*.ipynb book/*.md book/*.bib) _config.yml _toc.yml | $(STAMP)
	NSL_STRICT=1 $(BIN)/jupyter-book build .
	touch $@

lab: $(STAMP) $(LAB_ENV)
	$(BIN)/python scripts/lab_edition.py --build _build --out _build/lab
	$(BIN)/jupyter lab --ServerApp.root_dir=_build/lab/book $(if $(filter 0,$(shell id -u)),--allow-root)

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements-lock.txt

clean:
	rm -rf _build .pytest_cache .jupyter_cache
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
