# doc: man pages
EXTRA_DIST += doc/architecture.md
