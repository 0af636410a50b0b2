# LAVA (lava/, docs/lava.md): the test definition and the job templates are
# validated by make check; make lava-run runs one real LAVA job here (lava-run
# with a local qemu device booting the lab's L1, about 25 s: not in make check).
INTEGRATION_TESTS += tests/integration/lava-validate.sh

.PHONY: lava-run
lava-run: all
	$(V)bash lava/run-local.sh
