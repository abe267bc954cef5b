"""The deployment of docs/deploy.md, run for real: Debian's nginx with the repository's site
configuration (deploy/nginx/, only ports, paths and the certificate replaced) ending TLS with a
self-signed certificate, in front of gunicorn started with config/gunicorn.py and production
settings (SSCARD_DEBUG=0, a public host name, SSCARD_TRUSTED_PROXIES=1) on this run's test
database. Both run on free ports with everything of theirs in a temporary directory (nginx
with its own prefix, pid file, logs and temporary paths, in the foreground), so two runs side
by side and the machine's own nginx never meet.

Over HTTPS, trusting only that certificate, a clerk signs into the staff console through its
form and a partner calls the API with a token; HTTP is redirected to HTTPS, HSTS is sent,
cookies are secure, static files come from nginx, /metrics is closed to other addresses than
the monitoring servers', a name other than the site's gets no answer, and the client address
sscard records is the one nginx saw, not one the client wrote.
"""

from __future__ import annotations

import os
import secrets
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axes.models import AccessLog
from django.core.management import call_command

from tests.console_support import PASSWORD, build_world
from tests.process_support import Gunicorn, database_url, end, gunicorn
from tests.receivers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
HOST = "sscard.example.gov.cn"
# The client connects from another loopback address than nginx's own connection to gunicorn.
CLIENT_ADDRESS = "127.0.0.2"
SPOOFED = "203.0.113.9"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=DNS:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def site_configuration(
    folder: Path, *, https: int, http: int, upstream: int, cert: Path, key: Path, static: Path
) -> str:
    """deploy/nginx/sscard.conf with this test's ports and paths; each line replaced must be
    there, so the test follows the file and fails loudly when it changes shape."""
    proxy = folder / "sscard-proxy.conf"
    shutil.copy(ROOT / "deploy" / "nginx" / "sscard-proxy.conf", proxy)
    text = (ROOT / "deploy" / "nginx" / "sscard.conf").read_text()
    replacements = [
        ("listen 80 default_server;", f"listen 127.0.0.1:{http} default_server;"),
        ("listen 443 ssl default_server;", f"listen 127.0.0.1:{https} ssl default_server;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("/etc/ssl/sscard/fullchain.pem", str(cert)),
        ("/etc/ssl/sscard/privkey.pem", str(key)),
        ("alias /srv/sscard/var/static/;", f"alias {static}/;"),
        ("return 301 https://$host$request_uri;", f"return 301 https://$host:{https}$request_uri;"),
        ("/etc/nginx/sscard-proxy.conf", str(proxy)),
    ]
    for old, new in replacements:
        assert old in text, f"deploy/nginx/sscard.conf no longer has {old!r}"
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines() if "listen [::]" not in line)


def main_configuration(folder: Path, site: Path) -> str:
    temporary = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Run as root (CI), nginx's workers would otherwise become `nobody`, who cannot read the
    # static files in this test's private temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder / "access.log"};
{temporary}
    include {site};
}}
"""


@dataclass
class Deployment:
    https: int
    http: int
    cert: Path
    folder: Path

    def client(self) -> httpx.Client:
        """A browser trusting the site's certificate only, from CLIENT_ADDRESS."""
        context = ssl.create_default_context(cafile=str(self.cert))
        transport = httpx.HTTPTransport(verify=context, local_address=CLIENT_ADDRESS)
        return httpx.Client(
            base_url=f"https://127.0.0.1:{self.https}",
            transport=transport,
            headers={"Host": f"{HOST}:{self.https}"},
            timeout=30,
        )

    def plain(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"http://127.0.0.1:{self.http}",
            transport=httpx.HTTPTransport(local_address=CLIENT_ADDRESS),
            headers={"Host": HOST},
            timeout=30,
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )


# The site's certificate, asked for by name (SNI) although the connection goes to 127.0.0.1.
SNI: dict[str, Any] = {"extensions": {"sni_hostname": HOST}}


def wait_until_served(deployment: Deployment, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 90
    last: object = None
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{process.args!r} stopped:\n{deployment.logs()}")
        try:
            with deployment.plain() as plain:
                answer = plain.get("/healthz")
            if answer.status_code == 200:
                return
            last = answer.status_code
        except httpx.TransportError as error:
            last = error
        time.sleep(0.1)
    raise AssertionError(f"not served within 90 s (last: {last!r}):\n{deployment.logs()}")


@pytest.fixture
def deployment(tmp_path: Path, settings: Any) -> Iterator[Deployment]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `make system-deps` installs Debian's nginx")
    var = tmp_path / "var"
    settings.STATIC_ROOT = var / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    cert, key = self_signed_certificate(tmp_path)
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SSCARD_", "DJANGO_", "PYTEST_", "REDIS_"))
        and k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CSRF_TRUSTED_ORIGINS"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        SECRET_KEY=secrets.token_urlsafe(50),
        SSCARD_DEBUG="0",
        ALLOWED_HOSTS=HOST,
        SSCARD_TRUSTED_PROXIES="1",
        SSCARD_VAR_DIR=str(var),
    )
    # Only nginx's requests carry an allowed host: gunicorn is ready once served through it.
    with gunicorn(environment, tmp_path / "gunicorn.log", ready=None) as upstream:
        yield from served_through_nginx(upstream, tmp_path, cert, key, var / "static")


def served_through_nginx(
    upstream: Gunicorn, tmp_path: Path, cert: Path, key: Path, static: Path
) -> Iterator[Deployment]:
    nginx = None
    try:
        for _attempt in range(3):  # a free port taken meanwhile: pick others
            deployment = Deployment(free_port(), free_port(), cert, tmp_path)
            site = tmp_path / "sscard.conf"
            site.write_text(
                site_configuration(
                    tmp_path,
                    https=deployment.https,
                    http=deployment.http,
                    upstream=upstream.port,
                    cert=cert,
                    key=key,
                    static=static,
                )
            )
            main = tmp_path / "nginx.conf"
            main.write_text(main_configuration(tmp_path, site))
            error_log = str(tmp_path / "error.log")
            nginx = subprocess.Popen(
                [
                    NGINX,
                    "-p",
                    f"{tmp_path}/",
                    "-c",
                    str(main),
                    "-e",
                    error_log,
                    "-g",
                    "daemon off;",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                nginx.wait(0.5)
            except subprocess.TimeoutExpired:
                break  # still running: listening
            if "Address already in use" not in (tmp_path / "error.log").read_text():
                break
        assert nginx is not None
        wait_until_served(deployment, [upstream.process, nginx])
        yield deployment
    finally:
        if nginx is not None:
            end(nginx)


def set_cookies(answer: httpx.Response) -> dict[str, str]:
    return {
        line.split("=", 1)[0]: line.lower()
        for line in answer.headers.get_list("set-cookie")
        if "=" in line
    }


def test_a_clerk_and_a_partner_are_served_over_https_through_nginx(deployment, make_token):
    world = build_world()
    clerk = world.users["window_clerk"]
    clerk.set_password(PASSWORD)
    clerk.save(update_fields=["password"])
    token = make_token("cards:verify")
    card = world.adult_card

    with deployment.plain() as plain:
        redirected = plain.get("/console/sign-in/?next=/console/")
        health = plain.get("/healthz")
    assert redirected.status_code == 301
    assert redirected.headers["location"] == (
        f"https://{HOST}:{deployment.https}/console/sign-in/?next=/console/"
    )
    assert health.status_code == 200

    with deployment.client() as browser:
        page = browser.get("/console/sign-in/", **SNI)
        assert page.status_code == 200, deployment.logs()
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert "secure" in set_cookies(page)["csrftoken"].split("; ")
        style = browser.get("/static/console/console.css", **SNI)
        assert style.status_code == 200
        assert style.headers["content-type"].startswith("text/css")
        assert "strict-transport-security" in style.headers

        signed_in = browser.post(
            "/console/sign-in/",
            data={
                "username": "window-clerk",
                "password": PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={
                "Origin": f"https://{HOST}:{deployment.https}",
                "X-Forwarded-For": SPOOFED,
            },
            **SNI,
        )
        assert signed_in.status_code == 302, signed_in.text[:500] + deployment.logs()
        assert signed_in.headers["location"] == "/console/"
        session = set_cookies(signed_in)["sessionid"].split("; ")
        assert "secure" in session and "httponly" in session
        home = browser.get("/console/", **SNI)
        assert home.status_code == 200
        assert "window-clerk" in home.text

        status = browser.get(
            f"/api/v1/cards/{card.number}/status",
            headers={"Authorization": f"Bearer {token}"},
            **SNI,
        )
        assert status.status_code == 200, status.text
        assert status.json()["card_number"] == card.number
        assert status.json()["usable"] is True

        # Metrics are for the monitoring servers' addresses only.
        assert browser.get("/metrics", **SNI).status_code == 403

        # Another name than the site's: nginx closes the connection, sscard never sees it.
        with pytest.raises(httpx.RemoteProtocolError):
            browser.get("/console/sign-in/", headers={"Host": "127.0.0.1"}, **SNI)

    # The address sscard recorded for the sign-in is the one nginx saw; the client's own
    # X-Forwarded-For is ignored.
    assert list(AccessLog.objects.values_list("username", "ip_address")) == [
        ("window-clerk", CLIENT_ADDRESS)
    ]
