"""`hpm` from PyPI (hpm-cli) on Windows: runs HPM's JavaScript (js/, bundled
with every npm package it uses) on the Deno of PyPI's `deno` package, with
the least permissions every other way of getting HPM grants.

Linux and macOS get a shell script that execs Deno instead (packaging/hpm):
no Python starts there. Windows runs only .exe files from PATH, and the one
an installer makes, for this package's entry point, is the one that still
works after `uv tool install` copies it out of its environment: so Windows
starts Python, which runs Deno as a child. Deno gets Ctrl-C from the console
itself (a sync rolls back and exits 130); this process waits for it,
ignoring Ctrl-C, and exits with its code. Stdin and the terminal are
inherited (`hpm clone`'s question). See docs/packaging.md.
"""

import os
import sys

# What README, deno.json's tasks and the release binaries grant
# (tests/wheel_test.ts keeps them equal).
PERMISSIONS = (
    "--allow-read",
    "--allow-write",
    "--allow-run=uv,git",
    "--allow-env",
    "--allow-sys=uid",
    "--allow-net",
)

# The JavaScript is complete and local: no deno.json or lock file to look
# for, and an import that would need a download is an error instead. HPM
# imports its commands lazily, so Deno must not load them ahead of time.
DENO_FLAGS = (
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    "--unstable-lazy-dynamic-imports",
)


def deno_beside(executable, windows):
    """Where the `deno` package puts its binary when it is installed beside
    this Python: the scripts folder of a venv (uv tool, uvx, pre-commit, a
    plain venv), which holds the venv's python too."""
    if windows:
        import ntpath

        return ntpath.join(ntpath.dirname(executable), "deno.exe")
    import posixpath

    return posixpath.join(posixpath.dirname(executable), "deno")


def find_deno():
    """The `deno` package's binary: beside Python, else wherever that package
    says (`pip install --user`, a system install, `pip install --target`)."""
    beside = deno_beside(sys.executable, os.name == "nt")
    if os.path.isfile(beside):
        return beside
    import deno

    return os.fsdecode(deno.find_deno_bin())


def command(deno, args):
    """Deno's command line for `hpm ARGS`."""
    here = os.path.dirname(os.path.abspath(__file__))
    cli = os.path.join(here, "js", "cli.js")
    return [deno, "run", *DENO_FLAGS, *PERMISSIONS, cli, *args]


def main():
    try:
        deno = find_deno()
    except (ImportError, FileNotFoundError) as e:
        sys.stderr.write(
            "error: the deno executable of PyPI's `deno` package is missing"
            f" ({e})\nhint: reinstall HPM: `uv tool install --reinstall hpm-cli`,"
            " or `pip install --force-reinstall hpm-cli`\n"
        )
        return 1
    import signal
    import subprocess

    # Deno's update notice would say `deno upgrade`, which is pip's or uv's job here.
    env = dict(os.environ, DENO_NO_UPDATE_CHECK="1")
    # Ctrl-C (and Ctrl-Break) reach Deno from the console; here they must
    # not end the wait, or Deno's exit code would be lost.
    for name in ("SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda signum, frame: None)
    return subprocess.call(command(deno, sys.argv[1:]), env=env)
