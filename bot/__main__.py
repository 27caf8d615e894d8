"""``python -m bot``: the ``coordbot`` command, run by whichever interpreter starts it."""

from bot.cli import main

main()
