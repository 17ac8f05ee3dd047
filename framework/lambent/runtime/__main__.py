"""``python -m lambent.runtime HANDLER``: lambent's own Lambda runtime loop."""

import sys

from lambent.runtime._entry import main

sys.exit(main())
