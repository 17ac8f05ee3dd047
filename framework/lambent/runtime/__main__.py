"""``python -m lambent.runtime HANDLER``: lambent's own Lambda runtime loop."""

import sys

from lambent.runtime._loop import main

sys.exit(main())
