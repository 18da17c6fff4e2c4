"""`python -m harness.cli`: the same command as the `bench` script."""

from harness.cli import main

main()
