"""The closing lines of a check, in cmocka's words (tools/quickstart.sh counts them)."""


def finish(passed, failed, note=None):
    """Prints the PASSED/FAILED lines for `passed` checks and the `failed` names; returns the exit code."""
    print("[  PASSED  ] %d test(s)." % passed)
    if note:
        print(note)
    if not failed:
        return 0
    print("[  FAILED  ] %d test(s), listed below:" % len(failed))
    for name in failed:
        print("[  FAILED  ] " + name)
    return 1
