"""``python -m pb_service.rules``: see :mod:`pb_service.rules.cli`."""

import sys

from .cli import main

sys.exit(main())
