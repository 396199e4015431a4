"""The README's Python examples run as written, so the README cannot drift from the code."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_examples():
    assert EXAMPLES


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_readme_example_runs(number, tmp_path):
    script = tmp_path / f"example_{number}.py"
    script.write_text(EXAMPLES[number])
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
