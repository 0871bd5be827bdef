# Shortcuts for the two commands in README.md (make may be missing on a fresh machine;
# the scripts work without it).
.PHONY: run test
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
