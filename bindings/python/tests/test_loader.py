"""How the package finds libtfy, and what it says when it cannot: the
ImportError names TFY_LIBRARY and the prefix's library directory."""

import ctypes
import os
import subprocess
import sys
import unittest

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def import_tfy(**env):
    """`import tfy` in a fresh interpreter with env (None: unset) over a clean one."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("TFY_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    clean["PYTHONPATH"] = PACKAGE_DIR
    for k, v in env.items():
        if v is not None:
            clean[k] = v
    return subprocess.run([sys.executable, "-c", "import tfy"], env=clean,
                          capture_output=True, text=True, timeout=60)


def system_has_libtfy():
    try:
        ctypes.CDLL("libtfy.so.1")
        return True
    except OSError:
        return False


class LoaderTest(unittest.TestCase):
    def test_tfy_library_is_used(self):
        r = import_tfy(TFY_LIBRARY=os.environ["TFY_LIBRARY"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bad_tfy_library_is_named(self):
        r = import_tfy(TFY_LIBRARY="/nonexistent/libtfy.so.1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError: cannot load libtfy from "
                      "TFY_LIBRARY='/nonexistent/libtfy.so.1'", r.stderr)

    @unittest.skipIf(system_has_libtfy(), "libtfy.so.1 is installed where the loader finds it")
    def test_missing_library_names_the_variable_and_the_prefix(self):
        r = import_tfy()
        self.assertNotEqual(r.returncode, 0)
        last = r.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("ImportError: libtfy not found: set TFY_LIBRARY to "
                                        "the path of libtfy.so.1"), last)
        self.assertIn("PREFIX's library directory", last)
        self.assertRegex(last, r"TFY_LIBRARY=/usr/local/lib/(\S+/)?libtfy\.so\.1 for the "
                               r"default prefix /usr/local")
        self.assertIn("meson setup --prefix=PREFIX", last)


if __name__ == "__main__":
    unittest.main()
