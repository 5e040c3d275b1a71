"""The editors' schema in the real YAML language server (the one VS Code's YAML extension runs).

Driven over its Language Server Protocol on stdio, as an editor drives it: open a
multi-document fleet file, read the diagnostics it publishes.  Skipped, saying so, where
``yaml-language-server`` is not installed (``npm install -g yaml-language-server``).
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import ROOT

SERVER = shutil.which("yaml-language-server")
SCHEMA_URI = (ROOT / "schemas" / "kfedgen.json").as_uri()
pytestmark = pytest.mark.skipif(
    SERVER is None, reason="yaml-language-server is not installed (npm i -g yaml-language-server)"
)

FLEET = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters: 3
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: shop}
spec:
  placement: 5
---
apiVersion: v1
kind: ConfigMap
metadata: {name: free}
data: {anything: goes}
"""


class LanguageServer:
    """One ``yaml-language-server --stdio`` process and its JSON-RPC messages."""

    def __init__(self, settings: dict[str, Any]) -> None:
        assert SERVER is not None
        self.settings = settings
        self.process = subprocess.Popen(
            [SERVER, "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                return
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def wait_for(self, method: str | None = None, reply_to: int | None = None) -> dict[str, Any]:
        """The next message with ``method`` (or the reply to ``reply_to``), answering requests."""
        while True:
            message = self.messages.get(timeout=30)
            if reply_to is not None and message.get("id") == reply_to and "method" not in message:
                return message
            if method is not None and message.get("method") == method:
                return message
            if message.get("method") == "workspace/configuration":
                items = message["params"]["items"]
                self.send({"id": message["id"], "result": [self.settings] * len(items)})
            elif "id" in message and "method" in message:
                self.send({"id": message["id"], "result": None})

    def diagnostics(self, path: Path) -> list[dict[str, Any]]:
        self.send({"id": 1, "method": "initialize", "params": {"capabilities": {}}})
        self.wait_for(reply_to=1)
        self.send({"method": "initialized", "params": {}})
        self.send(
            {
                "method": "workspace/didChangeConfiguration",
                "params": {"settings": {"yaml": self.settings}},
            }
        )
        document = {"uri": path.as_uri(), "languageId": "yaml", "version": 1}
        self.send(
            {
                "method": "textDocument/didOpen",
                "params": {"textDocument": {**document, "text": path.read_text()}},
            }
        )
        published = self.wait_for("textDocument/publishDiagnostics")
        return list(published["params"]["diagnostics"])

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def diagnose(path: Path, schemas: dict[str, list[str]]) -> list[tuple[int, str]]:
    settings = {"validate": True, "schemaStore": {"enable": False}, "schemas": schemas}
    server = LanguageServer(settings)
    try:
        found = server.diagnostics(path)
    finally:
        server.close()
    return sorted((d["range"]["start"]["line"], d["message"]) for d in found)


EXPECTED = [
    (3, 'Incorrect type. Expected "array".'),
    (9, 'Incorrect type. Expected "object(Federated<Kind> (types.kubefed.io/v1beta1))".'),
]


def test_the_vs_code_setting_checks_every_document(tmp_path: Path) -> None:
    """``yaml.schemas`` associates the file: each document is checked against its own kind."""
    fleet = tmp_path / "fleet" / "apps.yaml"
    fleet.parent.mkdir()
    fleet.write_text(FLEET)
    assert diagnose(fleet, {SCHEMA_URI: [f"{tmp_path}/fleet/*.yaml"]}) == EXPECTED


def test_a_modeline_applies_to_the_document_it_opens(tmp_path: Path) -> None:
    """The modeline is per document: each document of a file needs its own."""
    modeline = f"# yaml-language-server: $schema={SCHEMA_URI}\n"
    first, second, third = FLEET.split("---\n")
    fleet = tmp_path / "apps.yaml"
    fleet.write_text(modeline + first + "---\n" + second + "---\n" + third)
    assert diagnose(fleet, {}) == [(4, 'Incorrect type. Expected "array".')]
    fleet.write_text(modeline + first + "---\n" + modeline + second + "---\n" + third)
    assert diagnose(fleet, {}) == [(line + 1 + (line > 4), text) for line, text in EXPECTED]
