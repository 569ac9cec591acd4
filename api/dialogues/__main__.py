import sys

from api.dialogues.cli import main

sys.exit(main())
