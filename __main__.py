"""`python -m tensflo`: the same as the `tensflo` command."""

import sys

from tensflo.compiler.cli import main

sys.exit(main())
