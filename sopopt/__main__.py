"""`python -m sopopt` runs the command line, as the `sopopt` script does."""

from sopopt.cli import main

main()
