"""The classroom: grades a whole class of learners' labs, each run in a jail."""
