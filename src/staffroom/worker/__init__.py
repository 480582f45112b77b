"""Scheduled work: the jobs that keep the records tidy, run by `staffroom worker` (or a thread of `serve`)."""
