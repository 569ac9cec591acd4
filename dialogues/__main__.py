import sys

from dialogues.cli import main

sys.exit(main())
