"""``python -m zhian.analytics``: see :mod:`zhian.analytics.cli`."""

from zhian.analytics.cli import main

raise SystemExit(main())
