"""`python -m healthscore` is the `healthscore` command."""

from healthscore.cli import main

main()
