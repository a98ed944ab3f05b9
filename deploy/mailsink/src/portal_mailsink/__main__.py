"""``python -m portal_mailsink``: same as the ``portal-mailsink`` console script."""

from .cli import main

raise SystemExit(main())
