"""Serve an ASGI app factory the way the bench measures both servers: uvicorn, one worker in
this very process (so its pid is the worker's, for VmRSS and py-spy), uvloop, httptools, no
access log, no logging config of uvicorn's own (the app configures its own), proxy headers as
`upskill serve` has them.

`python -m bench.serve adapters.main:build_app --port 18080` (the app) or
`python -m bench.serve bench.floor:build_app --port 18081` (the floor).
"""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("factory", help="module:function returning the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        workers=1,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
