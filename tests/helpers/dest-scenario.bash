# dest-scenario.bash: the frame of a scenario file that runs against the
# destination STAGE_TEST_DEST names (dest.bash): one throwaway instance
# per file, every dataset dropped before each test, the work directory W,
# and the manifest helpers (manifest.bash).  Load it at the top of the
# file; a file whose setup does more defines setup() and calls
# scenario_setup first.
load "${STAGE_TOP}/tests/helpers/dest.bash"
load "${STAGE_TOP}/tests/helpers/manifest.bash"

setup_file() { dest_start; }
teardown_file() { dest_stop; }

scenario_setup() {
	dest_reset
	W=$BATS_TEST_TMPDIR
}

setup() { scenario_setup; }
