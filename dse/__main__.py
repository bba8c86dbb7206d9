"""``python -m dse`` = the ``dse`` command."""

from .cli import main

raise SystemExit(main())
