"""Serve a built site on 127.0.0.1 with gzip, the way GitHub Pages serves it.

Python's ``http.server`` sends every file uncompressed, which makes byte counts 2-3x too high
next to what a reader of the published site downloads. This server compresses text responses
(HTML, CSS, JS, JSON, SVG, XML, plain text) when the browser asks for gzip, sends
``Content-Length`` for the compressed body, and leaves already-compressed files (WOFF2, PNG,
JPEG) alone, like GitHub Pages. It binds the loopback interface only.

Usage: ``python tools/serve_gzip.py SITE_DIR [--port N]`` (port 0 picks a free one; the chosen
URL is printed on the first line of stdout). Tests import :func:`start` instead.
"""

import argparse
import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path

COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb",
                ".md", ".py", ".ico"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from ``directory``, gzip-compressed when the client accepts it."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
                      ".svg": "image/svg+xml", ".woff2": "font/woff2", ".ipynb": "application/json"}

    def log_message(self, *args):  # quiet: Lighthouse makes hundreds of requests
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the directory redirect
            path = path / "index.html"
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not path.is_file() or path.suffix not in COMPRESSIBLE or not accepts_gzip:
            return super().send_head()
        body = _gzipped(str(path), path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
        self.end_headers()
        return _Body(body)


class _Body:
    """A file-like object over bytes, for SimpleHTTPRequestHandler's copyfile."""

    def __init__(self, data):
        self.data = data

    def read(self, size=-1):
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self):
        pass


@functools.lru_cache(maxsize=512)
def _gzipped(path, mtime_ns):
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


def start(directory, port=0):
    """Serve ``directory`` in a daemon thread; return ``(server, base_url)``.

    Call ``server.shutdown(); server.server_close()`` to stop it.
    """
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(f"{directory} is not a built site (no index.html)")
    handler = functools.partial(GzipHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built site directory")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args(argv)
    server, url = start(args.site, args.port)
    print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
