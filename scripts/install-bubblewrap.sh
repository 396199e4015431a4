#!/usr/bin/env bash
# Make sure bubblewrap's `bwrap` is on PATH: the classroom runs each learner's lab in a jail
# made with it (classroom/jail.py), and its tests run real jails. Install it with apt-get where
# that is possible, otherwise say in one line how to install it and fail.
set -euo pipefail
command -v bwrap >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo=none; fi
  if [ "$sudo" != none ]; then
    echo "installing bubblewrap (bwrap) with apt-get" >&2
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bubblewrap >/dev/null
    command -v bwrap >/dev/null 2>&1 && exit 0
  fi
fi
echo "bubblewrap's bwrap is missing and could not be installed here: install it with 'sudo apt-get install bubblewrap' (Debian/Ubuntu) or 'sudo dnf install bubblewrap' (Fedora); it needs Linux" >&2
exit 1
