#!/usr/bin/env bash
# Make sure Graphviz's `dot` is on PATH (the viz stage lays the lab's drawing out with it).
exec "${0%/*}/apt-install.sh" dot graphviz Graphviz \
  "install it with 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'"
