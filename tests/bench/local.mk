# Benchmarks: built and run by `make bench`, printed, never asserted.
# bench_programs: check programs a benchmark drives.
bench_scripts =
bench_programs =
include tests/bench/vaultd.mk
include tests/bench/module.mk
include tests/bench/tool.mk
include tests/bench/keys.mk
bench: all $(EXTRA_PROGRAMS) $(bench_programs)
	@for b in $(bench_scripts); do \
	  echo "== $$b"; top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	    $(SHELL) $(abs_top_srcdir)/$$b || exit 1; done
.PHONY: bench
