.PHONY: run test setup bench

## Install what is missing, build, and serve on http://127.0.0.1:3000
run:
	scripts/run.sh

## Install what is missing, then run every check and test
test:
	scripts/test.sh

setup:
	scripts/setup.sh

## Benchmarks of the release binary (makespan, queue overhead, upload); prints a Markdown table
bench:
	scripts/setup.sh
	PATH="$$HOME/.cargo/bin:$$PWD/node_modules/.bin:$$PATH" cargo leptos build --release --split
	cargo run --release -p integration-tests --bin bench
