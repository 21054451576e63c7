# tests/static.mk - `make static-analysis`: clang's static analyzer
# (scan-build, Debian clang-tools) over a fresh configure and build of the
# whole tree in a scratch directory; any report fails (--status-bugs).
# The reports stay in static-analysis/reports when it fails.
SCAN_BUILD = scan-build
SCAN_DIR = $(abs_top_builddir)/static-analysis
# Every checker of the default set, plus the ones that fit a codebase
# holding secrets and parsing untrusted input.
SCAN_FLAGS = --use-cc=clang -o $(SCAN_DIR)/reports \
	-enable-checker security.FloatLoopCounter \
	-enable-checker security.insecureAPI.strcpy \
	-enable-checker security.insecureAPI.rand \
	-enable-checker optin.portability.UnixAPI \
	-enable-checker valist.Uninitialized \
	-enable-checker valist.Unterminated \
	-enable-checker valist.CopyToSelf

static-analysis:
	@command -v $(SCAN_BUILD) >/dev/null 2>&1 || \
	  { echo "static-analysis: $(SCAN_BUILD) not found (clang-tools)" >&2; \
	    exit 1; }
	@rm -rf $(SCAN_DIR) && $(MKDIR_P) $(SCAN_DIR)/build
	@cd $(SCAN_DIR)/build && \
	  $(SCAN_BUILD) $(SCAN_FLAGS) $(abs_top_srcdir)/configure -q \
	    --disable-werror >$(SCAN_DIR)/configure.log 2>&1 || \
	  { tail -n 20 $(SCAN_DIR)/configure.log >&2; exit 1; }
	@cd $(SCAN_DIR)/build && \
	  if $(SCAN_BUILD) $(SCAN_FLAGS) --status-bugs \
	      $(MAKE) -j$$(nproc 2>/dev/null || echo 2) >$(SCAN_DIR)/build.log 2>&1; \
	  then \
	    echo "static-analysis: no reports"; \
	    rm -rf $(SCAN_DIR); \
	  else \
	    grep -E 'warning:|error:|scan-build:' $(SCAN_DIR)/build.log >&2; \
	    echo "static-analysis: failed, see $(SCAN_DIR)" >&2; \
	    exit 1; \
	  fi

.PHONY: static-analysis
