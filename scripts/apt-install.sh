#!/usr/bin/env bash
# scripts/apt-install.sh COMMAND PACKAGE "WHAT" "HOW BY HAND": make sure COMMAND is on PATH,
# installing Debian's PACKAGE with apt-get where that is possible (as root, or with sudo that
# needs no password); otherwise say in one line how to install WHAT by hand, and fail.
set -euo pipefail
command="$1" package="$2" what="$3" by_hand="$4"
command -v "$command" >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo=none; fi
  if [ "$sudo" != none ]; then
    echo "installing $what ($command) with apt-get" >&2
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null
    command -v "$command" >/dev/null 2>&1 && exit 0
  fi
fi
echo "$what's $command is missing and could not be installed here: $by_hand" >&2
exit 1
