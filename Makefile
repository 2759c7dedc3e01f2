# SPDX-License-Identifier: GPL-2.0
#
# make                 module for the running kernel's headers, and the CLI
# make module KDIR=... module for another kernel's headers
# make cli             the lyncedge CLI (userspace/)
# make check           host unit tests: matching core and CLI (ASan, UBSan)
# make test            everything: host unit tests and the VM selftests
# make demo            boot a VM, load the module, show the table enforced
# make bench           the benchmark: lyncedge against nftables, ipset and no
#                      filter, in one VM run (selftests/bench/run.sh)
# make install         CLI, man page, completion, systemd unit, modules-load.d
#                      entry, example /etc/lyncedge/lyncedge.conf (DESTDIR,
#                      PREFIX; see userspace/Makefile); make uninstall
# make dkms-install    module sources to /usr/src/lyncedge-VERSION, then dkms
#                      add and install (rebuilt for every new kernel)
# make dkms-uninstall  dkms remove, and the sources
#
# Kbuild is read directly by DKMS and by "make -C KDIR M=..."; this file is
# only the developer's front end.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# Debian's include/config/kernel.release holds the upstream version; the
# release modules are installed under is UTS_RELEASE.
KRELEASE = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# Each kernel gets its own mirror of the sources, so builds for 6.1 and 6.12
# live side by side and the source tree stays free of Kbuild output.
MODULE_BUILD_DIR ?= build/module/$(KRELEASE)
MODULE_SOURCES := Kbuild $(wildcard module/*.c module/*.h module/uapi/*.h)

VM_KERNEL ?= 6.1

VERSION := $(shell sed -n 's/^\#define LYNCEDGE_VERSION "\(.*\)"$$/\1/p' module/version.h)
DKMS_SOURCES := dkms.conf $(MODULE_SOURCES)
DKMS_DIR := $(DESTDIR)/usr/src/lyncedge-$(VERSION)

.PHONY: all module cli probe check test vmtest demo deps checkpatch clean \
	install uninstall dkms-install dkms-uninstall bench

all: module cli

module:
	@test -n "$(KRELEASE)" || { echo "no kernel headers in $(KDIR): install linux-headers-$(KVER) or pass KDIR=" >&2; exit 1; }
	@mkdir -p $(MODULE_BUILD_DIR)
	@cp --parents -u $(MODULE_SOURCES) $(MODULE_BUILD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(MODULE_BUILD_DIR)) modules

cli:
	$(MAKE) -C userspace

# The selftests' traffic tool, built on the host: inside the VM it would be
# compiled under emulation and lost with the overlay.
probe:
	$(MAKE) -C selftests/tools OUT=$(CURDIR)/build/selftests

check:
	$(MAKE) -C selftests/unit run
	$(MAKE) -C userspace check

deps:
	selftests/install-deps.sh

vmtest: deps cli probe
	selftests/qemu/run.sh --kernel $(VM_KERNEL) -- selftests/run_vm_tests.sh

test: deps
	selftests/run_all.sh

demo: deps cli probe
	selftests/qemu/run.sh --kernel $(VM_KERNEL) -- selftests/demo.sh

bench: deps cli probe
	selftests/bench/run.sh

checkpatch:
	selftests/checkpatch.sh

install: cli
	$(MAKE) -C userspace install

uninstall:
	$(MAKE) -C userspace uninstall

dkms-install:
	@test -n "$(VERSION)" || { echo "no version in module/version.h" >&2; exit 1; }
	rm -rf $(DKMS_DIR)
	mkdir -p $(DKMS_DIR)
	cp --parents $(DKMS_SOURCES) $(DKMS_DIR)/
	dkms add lyncedge/$(VERSION)
	dkms install lyncedge/$(VERSION)

dkms-uninstall:
	-dkms remove lyncedge/$(VERSION) --all
	rm -rf $(DKMS_DIR)

clean:
	rm -rf build
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests/unit clean
