# doc: man pages
