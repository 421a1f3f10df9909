# Jingzhun (精准). Needs only python3 and pip: uv is installed on first use.
#   make demo   sample county, demo users, web app on http://127.0.0.1:8000/
#   make test   lint, migration check and the test suite (what CI runs)

SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH, else the one `pip install --user` puts in the user site (its bin dir need not be on PATH).
UV := $(shell command -v uv >/dev/null 2>&1 && echo uv || echo python3 -m uv)
# pytest-xdist pays for itself from about four cores (each worker sets up Django and its own test database).
PYTEST_ARGS ?= $(shell [ "$$(nproc 2>/dev/null || echo 1)" -ge 4 ] && echo "-n auto")
DEMO_ARGS ?=
BENCH_ARGS ?=
# Install with compiled bytecode, as pip does: where PYTHONDONTWRITEBYTECODE is set (many containers and CI
# images) Python never writes it, and every command compiled Django and jingzhun again (a second or more at
# each start). uv then compiles site-packages as it syncs; COMPILE compiles the project's own sources.
export UV_COMPILE_BYTECODE ?= 1
COMPILE = python -m compileall -q src

.PHONY: help uv demo test lint bench

help:
	@echo "make demo   生成示例县并启动演示网站 / generate a sample county and serve the demo"
	@echo "make test   代码检查与全部测试 / lint and run the test suite"
	@echo "make lint   ruff 与 mypy / ruff and mypy"
	@echo "make bench  性能测试 / benchmarks (bench/README.md)"

uv:
	@$(UV) --version >/dev/null 2>&1 || { \
		echo "Installing uv with pip (python3 -m pip install --user uv)"; \
		python3 -m pip install --user --quiet uv 2>/dev/null \
		|| python3 -m pip install --user --quiet --break-system-packages uv \
		|| python3 -m pip install --quiet uv; \
	}
	@$(UV) --version

demo: uv
	$(UV) sync
	$(UV) run $(COMPILE)
	@# The Chinese font of the printed cards (PDF): fetched without root when the system has none.
	-$(UV) run jingzhun fonts install
	$(UV) run jingzhun demo $(DEMO_ARGS)

test: uv
	$(UV) run $(COMPILE)
	$(UV) run ruff check
	$(UV) run ruff format --check
	$(UV) run mypy
	$(UV) run lint-imports
	$(UV) run python -m jingzhun makemigrations --check --dry-run
	$(UV) run pytest $(PYTEST_ARGS)

lint: uv
	$(UV) run ruff check
	$(UV) run ruff format --check
	$(UV) run mypy
	$(UV) run lint-imports

bench: uv
	$(UV) run --group bench $(COMPILE)
	$(UV) run --group bench python bench/import_ledger.py $(BENCH_ARGS)
