"""Imports the installed tfy package, checks which libtfy it loaded, and lists
every batch of a tfy-mock-gateway through it.
Usage: python_check.py EXPECTED_LIBRARY BASE_URL API_KEY EXPECTED_COUNT
(EXPECTED_LIBRARY: the name or path the package must have opened)."""

import sys

import tfy
import tfy._ffi


def main() -> int:
    expected, base_url, key, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    opened = tfy._ffi.lib._name
    if opened != expected:
        print(f"tfy loaded {opened}, expected {expected}")
        return 1
    with tfy.Client(base_url, key) as client:
        n = sum(1 for _ in client.iter(limit=10))
    print(f"tfy {tfy.__version__} from {tfy.__file__}: libtfy {tfy.library_version()} "
          f"({opened}), {n} batches")
    return 0 if n == count else 1


if __name__ == "__main__":
    sys.exit(main())
