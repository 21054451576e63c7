# oneclaw-tool: the command line (CMEK keys, vaults, rotation, secrets).
bin_PROGRAMS += oneclaw-tool
oneclaw_tool_SOURCES = \
	src/tool/main.c src/tool/main.h \
	src/tool/output.c src/tool/output.h \
	src/tool/progress.c src/tool/progress.h \
	src/tool/par.c src/tool/par.h \
	src/tool/keyarg.c src/tool/keyarg.h \
	src/tool/cmd-key.c src/tool/cmd-key.h \
	src/tool/cmd-seal.c src/tool/cmd-seal.h \
	src/tool/cmd-vault.c src/tool/cmd-vault.h \
	src/tool/cmd-cmek.c src/tool/cmd-cmek.h \
	src/tool/cmd-secret.c src/tool/cmd-secret.h \
	src/tool/cmd-agent.c src/tool/cmd-agent.h \
	src/tool/cmd-agents.c src/tool/cmd-agents.h \
	src/tool/cmd-policy.c src/tool/cmd-policy.h \
	src/tool/jobstate.c src/tool/jobstate.h \
	src/tool/newfile.c src/tool/newfile.h \
	src/tool/rotate.c src/tool/rotate.h
oneclaw_tool_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)
oneclaw_tool_LDADD = src/tokenkey/libtokenkey.la src/libocnet.la \
	src/libocore.la $(CRYPTO_LIBS) $(YAJL_LIBS) $(PTHREAD_LIBS)

dist_man_MANS += doc/oneclaw-tool.1
