"""The top of the stack: the `radar` command (main.py) and the demo (demo.py). Nothing imports this package."""
