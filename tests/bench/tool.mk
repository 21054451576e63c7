# tests/bench/tool.mk - oneclaw-tool rotation benchmark (make bench).
bench_scripts += tests/bench/tool-rotate.sh
EXTRA_DIST += tests/bench/tool-rotate.sh
