#!/usr/bin/env bash
# Make sure bubblewrap's `bwrap` is on PATH: the classroom runs each learner's lab in a jail
# made with it (classroom/jail.py), and its tests run real jails.
exec "${0%/*}/apt-install.sh" bwrap bubblewrap bubblewrap \
  "install it with 'sudo apt-get install bubblewrap' (Debian/Ubuntu) or 'sudo dnf install bubblewrap' (Fedora); it needs Linux"
