"""``credo doctor``: what is wrong with this machine's AWS configuration, and the fix for each finding."""
