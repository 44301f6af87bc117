import sys

from webbscope.cli import main

sys.exit(main())
