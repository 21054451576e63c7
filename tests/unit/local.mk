# Unit tests (cmocka), one file per unit; each area has its own fragment.
if HAVE_CMOCKA
include tests/unit/core.mk
include tests/unit/net.mk
include tests/unit/p11.mk
include tests/unit/vaultd.mk
include tests/unit/pkey.mk
include tests/unit/asym.mk
include tests/unit/tool.mk
include tests/unit/tokenkey.mk
endif
