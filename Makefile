# Each target sets up what it needs on a fresh clone (scripts/bootstrap.sh): Node 24, dependencies,
# the Temporal CLI.
.PHONY: test dev demo bench setup

test:
	scripts/test.sh

dev:
	./flywheel dev

setup:
	scripts/bootstrap.sh

bench:
	scripts/bench.sh
