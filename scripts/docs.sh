#!/usr/bin/env bash
# Serves the documentation site (mkdocs.yml, docs/) on http://127.0.0.1:8000 with live reload.
# `bash scripts/docs.sh build` builds it into site/ instead, as tests/test_docs_site.py does.
# After a pattern, its catalog example or its acknowledgments change, rewrite the pages read from
# the code first: python scripts/docs_pages.py
source "$(dirname "$0")/env.sh"
if [ "${1:-serve}" = "build" ]; then
  shift
  exec mkdocs build --strict "$@"
fi
exec mkdocs serve "$@"
