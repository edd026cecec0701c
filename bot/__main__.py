"""python -m bot: the same as the `chibo` command."""

import sys

from bot.cli import main

sys.exit(main())
