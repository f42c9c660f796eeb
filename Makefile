# arshif — see README.md. `make run` and `make test` are the two entry points.

ARCHIVE ?= ./archive
BIN := target/release/arshif
# Tesseract's OpenMP must be limited before the library loads (arshif also
# re-executes itself with this set, but the environment is the surest place).
export OMP_THREAD_LIMIT := 1

ADDR ?= 127.0.0.1:8080

.PHONY: run test test-ui test-api deps build install lint bench bench-ingest bench-serve bench-workers eval ocr-eval train-numbers clean-archive

run: deps build
	@test -f $(ARCHIVE)/arshif-archive.json || $(BIN) --archive $(ARCHIVE) init
	$(BIN) --archive $(ARCHIVE) ingest --branch hofuf samples/scans
	$(BIN) --archive $(ARCHIVE) search الاحساء
	@echo "Open http://$(ADDR)/ in a browser (Ctrl-C stops the server)"
	$(BIN) --archive $(ARCHIVE) serve --addr $(ADDR)

# The shared-archive tests start their own PostgreSQL and Garage
# (scripts/services.sh, data in target/services).
test: deps
	@./scripts/install-deps.sh test
	set -a && eval "$$(./scripts/services.sh start)" && set +a && cargo test --locked

# The web UI driven in headless Chromium (Playwright); screenshots are kept
# in target/ui-artifacts/.
test-ui: deps
	@./scripts/install-deps.sh ui
	./scripts/test-ui.sh

# The HTTP API fuzzed by schemathesis (installed from PyPI into target/)
# against /api/openapi.json, as an administrator, a clerk and a staff member.
test-api: deps
	./scripts/test-api.sh

deps:
	@./scripts/install-deps.sh

build:
	cargo build --release --locked

# The binary, manual pages, shell completions and systemd units under
# $(DESTDIR)$(PREFIX) (default /usr/local); see README, Operations.
PREFIX ?= /usr/local
install: build
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) ./scripts/install.sh $(BIN)

lint:
	./scripts/check-rust-version.sh
	cargo fmt --all --check
	cargo clippy --all-targets --locked -- -D warnings

bench: deps
	cargo bench --locked --bench index_throughput
	cargo bench --locked --bench analyzer
	cargo bench --locked --bench search_latency

# Import throughput side by side (arshif, the one-reading limit and where
# arshif's recognition time goes, a plain tesseract-CLI pipeline, re-import vs sha256sum, peak RSS over 10,000
# files). Prints a table; see README.
bench-ingest: build
	@./scripts/install-deps.sh eval
	cargo build --release --locked --example one_reading
	/usr/bin/python3 scripts/bench_ingest.py

# HTTP speed: wrk against `arshif serve` on a 100,000-document archive
# (built once in target/bench-serve/). Prints a table; see README.
bench-serve: build
	@./scripts/install-deps.sh bench
	cargo build --release --locked --example bench_archive
	/usr/bin/python3 scripts/bench_serve.py

# OCR workers of a shared archive: pages/s with one worker and with two,
# and the per-page costs of the README's capacity model (real PostgreSQL
# and Garage from scripts/services.sh). Prints a table; see README.
bench-workers: build
	@./scripts/install-deps.sh test
	/usr/bin/python3 scripts/bench_workers.py

# Search quality: render the evaluation corpus (once), import it, run the
# query classes, print success@10 and MRR per class. See README.
EVAL_DIR ?= target/eval
eval:
	@./scripts/install-deps.sh eval
	@test -d $(EVAL_DIR)/scans || /usr/bin/python3 samples/eval/make_eval.py $(EVAL_DIR)
	cargo run --release --locked --example eval -- $(EVAL_DIR)

# OCR quality: CER, word and number accuracy per class, beside plain
# `tesseract -l ara+eng` on the same pages. See README.
OCR_EVAL_DIR ?= target/ocr-eval
# pages per class; e.g. `make ocr-eval OCR_EVAL_DIR=target/ocr-eval-24 OCR_EVAL_PAGES=24`
OCR_EVAL_PAGES ?= 8
ocr-eval:
	@./scripts/install-deps.sh eval
	@test "$$(cat $(OCR_EVAL_DIR)/VERSION 2>/dev/null)" = "$$(sed -n 's/^VERSION = //p' samples/eval/make_ocr_eval.py) $(OCR_EVAL_PAGES)" \
		|| (rm -rf $(OCR_EVAL_DIR) && /usr/bin/python3 samples/eval/make_ocr_eval.py $(OCR_EVAL_DIR) $(OCR_EVAL_PAGES))
	cargo run --release --locked --example ocr_eval -- $(OCR_EVAL_DIR) samples

# The number reader (src/ocr/number-reader.bin): render training, evaluation
# and held-out-font lines, train the network with candle, measure it through
# the reader itself and write the weights. See README, "Numbers".
NUMBERS_DIR ?= target/numbers
NUMBERS_LINES ?= 30000
NUMBERS_EPOCHS ?= 8
train-numbers:
	@./scripts/install-deps.sh numbers
	@test -f $(NUMBERS_DIR)/train/lines.tsv || /usr/bin/python3 samples/numbers/render_lines.py $(NUMBERS_DIR)/train train $(NUMBERS_LINES) 1
	@test -f $(NUMBERS_DIR)/eval/lines.tsv || /usr/bin/python3 samples/numbers/render_lines.py $(NUMBERS_DIR)/eval train 3000 2
	@test -f $(NUMBERS_DIR)/heldout/lines.tsv || /usr/bin/python3 samples/numbers/render_lines.py $(NUMBERS_DIR)/heldout heldout 3000 3
	cargo run --release --locked -p train-numbers -- $(NUMBERS_DIR)/train $(NUMBERS_DIR)/eval $(NUMBERS_DIR)/heldout src/ocr/number-reader.bin $(NUMBERS_EPOCHS)

clean-archive:
	rm -rf $(ARCHIVE)
