"""``python -m loganalyzer`` runs the command-line interface."""

from loganalyzer.cli import main

main()
