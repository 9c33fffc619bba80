# A thin wrapper over resources/setup.sh, the CMake presets and ctest.
#   make demo   set up, build, boot the emulated arm64 host, run the main scenario
#   make test   set up, build both flavours, run every test (unit + integration)
STAGE := resources/stage

.PHONY: all setup build build-aarch64 build-native demo test test-native test-fuzz test-aarch64 clean

all: build

setup:
	@$(STAGE) "setup (packages)" bash resources/setup.sh

build-aarch64:
	@$(STAGE) "configure aarch64" cmake --preset aarch64 >/dev/null
	@$(STAGE) "build aarch64" cmake --build --preset aarch64 -j2

build-native:
	@$(STAGE) "configure native" cmake --preset native >/dev/null
	@$(STAGE) "build native" cmake --build --preset native -j2

build: build-aarch64 build-native

# The flagship's story, quietly: build noise goes to build/demo.log.
demo:
	@bash resources/demo

test-native: build-native
	@$(STAGE) "unit tests (native)" ctest --preset native

# Every libFuzzer target (tests/fuzz/) for 15 s.
test-fuzz:
	@$(STAGE) "fuzz (15 s a target)" tests/fuzz/run 15

test-aarch64: build-aarch64
	@$(STAGE) "unit tests (qemu-user)" ctest --preset aarch64 -L unit
	@$(STAGE) "integration" ctest --preset aarch64 -L integration -V

test: setup
	@$(MAKE) --no-print-directory test-native test-fuzz test-aarch64

clean:
	rm -rf build
