"""The ops client's answer cap on a real requests session against a local HTTP server: an answer over the cap is
refused before it is read whole, whether it declares its length or streams chunks without one."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from streambench.ops.workspace import NotAnApiAnswer, OpsError, ResponseTooLarge, cap_responses

LIMIT = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sent: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 - the http.server name
        if self.path == "/login":  # a sign-in page where the API should answer
            page = b"<!doctype html><html><body><form>Sign in</form></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        size = int(self.path.rsplit("/", 1)[-1])
        chunked = self.path.startswith("/chunked/")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        sent = 0
        try:
            while sent < size:
                piece = b"x" * min(8192, size - sent)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        Handler.sent[self.path] = sent

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def session():
    with requests.Session() as capped:
        cap_responses(capped, LIMIT)
        yield capped


@pytest.mark.parametrize("kind", ["sized", "chunked"])
def test_an_answer_within_the_cap_is_read_whole(server, session, kind):
    assert len(session.get(f"{server}/{kind}/{LIMIT}", timeout=10).content) == LIMIT


def test_an_answer_declaring_more_than_the_cap_is_refused_on_its_header(server, session):
    with pytest.raises(ResponseTooLarge, match=r"GET /sized/\d+ is 1\.0 MB, over the 0\.0625 MB cap: refused"):
        session.get(f"{server}/sized/{1024 * 1024}", timeout=10)


def test_a_chunked_answer_over_the_cap_is_refused_after_one_byte_past_it(server, session):
    with pytest.raises(ResponseTooLarge, match=r"GET /chunked/\d+ is over the 0\.0625 MB cap: refused") as raised:
        session.get(f"{server}/chunked/{64 * 1024 * 1024}", timeout=10)
    assert isinstance(raised.value, OpsError)  # the CLI prints it as a one-line error


def test_a_streamed_download_is_checked_on_its_header_only(server, session):
    with session.get(f"{server}/chunked/{LIMIT * 4}", timeout=10, stream=True) as streamed:
        assert sum(len(chunk) for chunk in streamed.iter_content(8192)) == LIMIT * 4
    with pytest.raises(ResponseTooLarge):
        session.get(f"{server}/sized/{LIMIT * 4}", timeout=10, stream=True)


def test_a_web_page_where_json_belongs_is_refused_naming_the_host(server, session):
    with pytest.raises(
        NotAnApiAnswer, match=rf"^{server} answered GET /login with a web page \(text/html\), not a Databricks"
    ):
        session.get(f"{server}/login", timeout=10)
