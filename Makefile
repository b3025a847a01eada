.PHONY: run test setup

## Install what is missing, build, and serve on http://127.0.0.1:3000
run:
	scripts/run.sh

## Install what is missing, then run every check and test
test:
	scripts/test.sh

setup:
	scripts/setup.sh
