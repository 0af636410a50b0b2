# host/cli/cli.mk - what the option tables give besides the binary: the man
# page and the bash completion, written by the built irqlbench from its own
# tables (host/cli/doc.c, `irqlbench --dump-man`, `--dump-completion`), and
# `make install` / `make uninstall`.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]
#
# installs PREFIX/bin/irqlbench, what it needs at run time (the guest image
# and the libvirt plugin in PREFIX/lib/irqlbench/; the suites file, the
# gnuplot scripts and the example scenario scripts in PREFIX/share/irqlbench/,
# where an installed irqlbench looks: util_installed_file()), the man page
# irqlbench(1) and the bash completion.  `lab` and `kvm` run scripts of the
# source tree: an installed irqlbench finds it through $IRQLBENCH_ROOT.

MAN_PAGE   := $(BUILD)/share/man/man1/irqlbench.1
COMPLETION := $(BUILD)/share/bash-completion/completions/irqlbench
all: $(MAN_PAGE) $(COMPLETION)

$(MAN_PAGE): $(BUILD)/bin/irqlbench
	@mkdir -p $(dir $@)
	$(V)$< --dump-man >$@.tmp && mv $@.tmp $@
$(COMPLETION): $(BUILD)/bin/irqlbench
	@mkdir -p $(dir $@)
	$(V)$< --dump-completion >$@.tmp && mv $@.tmp $@

PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_LIB   = $(DESTDIR)$(PREFIX)/lib/irqlbench
INSTALL_SHARE = $(DESTDIR)$(PREFIX)/share/irqlbench
INSTALL_FILES = bin/irqlbench lib/irqlbench/irqlbench-guest.elf lib/irqlbench/irqlbench-libvirt.so \
		share/irqlbench/suites.cfg $(addprefix share/irqlbench/plots/,$(notdir $(wildcard plots/*.gp))) \
		$(addprefix share/irqlbench/scripts/,$(notdir $(wildcard workloads/scripts/*.scn))) \
		share/man/man1/irqlbench.1 share/bash-completion/completions/irqlbench

.PHONY: install uninstall
install: all
	$(V)install -d $(DESTDIR)$(PREFIX)/bin $(INSTALL_LIB) $(INSTALL_SHARE)/plots $(INSTALL_SHARE)/scripts \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(V)install -m 755 $(BUILD)/bin/irqlbench $(DESTDIR)$(PREFIX)/bin/irqlbench
	$(V)install -m 644 $(BUILD)/guest/irqlbench-guest.elf $(INSTALL_LIB)/
	$(V)if [ -f $(BUILD)/lib/irqlbench-libvirt.so ]; then \
		install -m 644 $(BUILD)/lib/irqlbench-libvirt.so $(INSTALL_LIB)/; fi
	$(V)install -m 644 workloads/suites.cfg $(INSTALL_SHARE)/
	$(V)install -m 644 plots/*.gp $(INSTALL_SHARE)/plots/
	$(V)install -m 644 workloads/scripts/*.scn $(INSTALL_SHARE)/scripts/
	$(V)install -m 644 $(MAN_PAGE) $(DESTDIR)$(PREFIX)/share/man/man1/
	$(V)install -m 644 $(COMPLETION) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	@echo "installed irqlbench in $(DESTDIR)$(PREFIX) (bin, lib/irqlbench, share/irqlbench, man1, bash completion)"

uninstall:
	$(V)rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALL_FILES))
	$(V)rmdir $(INSTALL_SHARE)/plots $(INSTALL_SHARE)/scripts $(INSTALL_SHARE) $(INSTALL_LIB) 2>/dev/null || true
	@echo "removed irqlbench from $(DESTDIR)$(PREFIX)"
