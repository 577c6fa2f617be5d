#!/usr/bin/env python3
"""Pre-creates benchmark visitors: each one walks PATHS once with a cookie jar of its own, as a
browser would, and its final jar is printed as one `Cookie:` header value per line.

    visitors.py BASE_URL COUNT PATH [PATH...] > cookies.txt

The jar keeps exactly the `name=value` part of every Set-Cookie the server sent (a signed
`sessionid` stays percent-encoded as sent, a quoted Django `last_visit` stays quoted) and drops
cookies the server expires. Any answer other than 200 fails the run.
"""
import concurrent.futures
import sys
import urllib.request

WORKERS = 8


def visit(base, paths):
    jar = {}
    for path in paths:
        request = urllib.request.Request(base + path)
        if jar:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in jar.items()))
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                pair, _, attributes = header.partition(";")
                name, _, value = pair.strip().partition("=")
                attributes = attributes.lower().replace(" ", "")
                if "max-age=0" in attributes or "expires=thu,01jan1970" in attributes:
                    jar.pop(name, None)
                else:
                    jar[name] = value
    if not jar:
        raise RuntimeError(f"{base}{paths}: the server set no cookie")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def main():
    base, count, paths = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3:]
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for line in pool.map(lambda _: visit(base, paths), range(count)):
            print(line)


if __name__ == "__main__":
    main()
