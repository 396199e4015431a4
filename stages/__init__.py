"""The lab's DVC pipeline: one script per stage (`python -m stages.<name>`), what they all
need (common.py), the checks of the files people write (params.py) and viz's expression."""
