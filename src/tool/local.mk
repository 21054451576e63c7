# oneclaw-tool: the command line.
