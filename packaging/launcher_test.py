"""The Windows launcher's logic (packaging/hpm_cli), run on any OS:
`python packaging/launcher_test.py` (tests/wheel_test.ts runs it)."""

import io
import os
import sys
import tempfile
import types
import unittest
from unittest import mock

import hpm_cli


class DenoBeside(unittest.TestCase):
    def test_windows_venv_scripts_folder(self):
        for python, deno in [
            (
                r"C:\Users\me\AppData\Roaming\uv\tools\hpm-cli\Scripts\python.exe",
                r"C:\Users\me\AppData\Roaming\uv\tools\hpm-cli\Scripts\deno.exe",
            ),
            (r"D:\work\core\.venv\Scripts\python.exe", r"D:\work\core\.venv\Scripts\deno.exe"),
            # A pre-commit hook's environment, a UNC share.
            (r"\\server\home\me\.cache\pre-commit\repoab12\py_env-python3\Scripts\python.exe",
             r"\\server\home\me\.cache\pre-commit\repoab12\py_env-python3\Scripts\deno.exe"),
        ]:
            self.assertEqual(hpm_cli.deno_beside(python, windows=True), deno)

    def test_posix_venv_bin_folder(self):
        self.assertEqual(
            hpm_cli.deno_beside("/home/me/.local/share/uv/tools/hpm-cli/bin/python", False),
            "/home/me/.local/share/uv/tools/hpm-cli/bin/deno",
        )


class FindDeno(unittest.TestCase):
    def test_beside_python_first(self):
        with tempfile.TemporaryDirectory() as scripts:
            python = os.path.join(scripts, "python.exe" if os.name == "nt" else "python")
            deno = hpm_cli.deno_beside(python, os.name == "nt")
            open(deno, "w").close()
            with mock.patch.object(sys, "executable", python):
                self.assertEqual(hpm_cli.find_deno(), deno)

    def test_else_where_the_deno_package_says(self):
        # A base Python (`pip install --user`): Scripts is not beside python.exe.
        found = os.path.join("elsewhere", "Scripts", "deno.exe")
        package = types.ModuleType("deno")
        package.find_deno_bin = lambda: found
        with tempfile.TemporaryDirectory() as base, mock.patch.dict(
            sys.modules, {"deno": package}
        ), mock.patch.object(sys, "executable", os.path.join(base, "python.exe")):
            self.assertEqual(hpm_cli.find_deno(), found)

    def test_missing_deno_is_an_error_with_a_hint(self):
        package = types.ModuleType("deno")

        def missing():
            raise FileNotFoundError("Scripts\\deno.exe")

        package.find_deno_bin = missing
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as base, mock.patch.dict(
            sys.modules, {"deno": package}
        ), mock.patch.object(sys, "executable", os.path.join(base, "python.exe")), mock.patch.object(
            sys, "stderr", err
        ):
            self.assertEqual(hpm_cli.main(), 1)
        self.assertRegex(err.getvalue(), r"^error: .*deno.*\nhint: .*uv tool install --reinstall hpm-cli")


class Command(unittest.TestCase):
    def test_least_permissions_no_download_and_the_bundled_cli(self):
        argv = hpm_cli.command(r"C:\venv\Scripts\deno.exe", ["sync", "--mode", "prod"])
        self.assertEqual(argv[:2], [r"C:\venv\Scripts\deno.exe", "run"])
        self.assertIn("--no-remote", argv)
        self.assertIn("--no-npm", argv)
        self.assertIn("--allow-run=uv,git", argv)
        self.assertNotIn("-A", argv)
        cli = os.path.join(os.path.dirname(os.path.abspath(hpm_cli.__file__)), "js", "cli.js")
        self.assertEqual(argv[-4:], [cli, "sync", "--mode", "prod"])


if __name__ == "__main__":
    unittest.main()
