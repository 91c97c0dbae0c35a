import sys

from codesign.cli import program

sys.exit(program())
