#!/usr/bin/env python3
"""A throwaway SMTP server for flexiapi's transport tests (aiosmtpd).

Listens on 127.0.0.1, an ephemeral port it prints as "PORT <n>" on stdout once ready, and
stops when its standard input closes (the test ended, or died). Each accepted message is
stored in --dir as NNNN.eml (the bytes received) and NNNN.json (envelope, TLS, login).

  --cert CERT --key KEY   offer STARTTLS with this certificate, and require it before MAIL
  --implicit-tls          TLS from the first byte instead (smtps), with --cert/--key
  --auth USER:PASSWORD    require AUTH with these credentials
  --mechanisms LIST       the AUTH mechanisms offered (default "LOGIN,PLAIN")
  --reject ADDRESS        answer 550 to RCPT TO:<ADDRESS>
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    def __init__(self, directory, reject):
        self.directory = directory
        self.reject = {a.lower() for a in reject}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, f"{self.count:04d}")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login.decode() if session.auth_data else None,
        }
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        # Renamed into place: a reader polling for .eml files never sees half a message.
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(base + ".eml.part", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--mechanisms", default="LOGIN,PLAIN")
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()
    # Quiet: aiosmtpd warns about AUTH without TLS (the plain-text tests want it) and about
    # its own deprecations; real errors still show.
    logging.basicConfig(level=logging.ERROR)
    warnings.simplefilter("ignore")

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: aiosmtpd answers "535 5.7.8" itself on failure.
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    offered = {m.strip().upper() for m in args.mechanisms.split(",")}
    excluded = [m for m in ("LOGIN", "PLAIN") if m not in offered]
    store = Store(args.dir, args.reject)
    starttls = context is not None and not args.implicit_tls

    def factory():
        return SMTP(
            store,
            hostname="flexiapi-test",
            tls_context=context if starttls else None,
            require_starttls=starttls,
            authenticator=authenticator,
            auth_required=authenticator is not None,
            # With STARTTLS, AUTH only after it; plain and implicit TLS take it at once.
            auth_require_tls=starttls,
            auth_exclude_mechanism=excluded,
        )

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, "127.0.0.1", 0, ssl=context if args.implicit_tls else None
        )
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        # Until the test closes our stdin (or goes away).
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
