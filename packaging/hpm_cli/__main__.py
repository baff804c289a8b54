"""`python -m hpm_cli ARGS` is `hpm ARGS`."""

from hpm_cli import main

raise SystemExit(main())
