"""Runs the binding's unittest suite and prints cmocka-style summary lines,
which tools/quickstart.sh counts like the C tests':
  [  PASSED  ] N test(s).
  [  FAILED  ] N test(s), listed below:
Exit status 0 only when every test passed."""

import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))  # the tfy package
sys.path.insert(0, here)                   # mockgw


class Result(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.passed = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test)


def main() -> int:
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
    result = runner.run(suite)
    failed = [t for t, _ in result.failures + result.errors + result.unexpectedSuccesses]
    print(f"[==========] {result.testsRun} test(s) run.")
    print(f"[  PASSED  ] {len(result.passed)} test(s).")
    if failed:
        print(f"[  FAILED  ] {len(failed)} test(s), listed below:")
        for t in failed:
            print(f"[  FAILED  ] {t.id()}")
    sys.stdout.flush()
    return 0 if not failed and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
