"""`python -m unspun`: the same command line as `unspun`."""

import sys

from unspun.cli import main

sys.exit(main())
