"""``python -m huayu`` — see :mod:`huayu.cli`."""

import sys

from huayu.cli import main

sys.exit(main())
