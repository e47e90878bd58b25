"""The `ciasom` command: serve the site (embedded, or as a web tier and media nodes),
anonymize a file, or run the engine benchmark (DESIGN §2)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from .engine.settings import MODES, STYLES, EngineSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ciasom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate and run the site with its media server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    web = commands.add_parser(
        "web", help="pages, API and WHIP/WHEP signalling under gunicorn; media on the nodes"
    )
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--workers", type=int, default=2)

    node = commands.add_parser("media-node", help="one media node of a cluster")
    node.add_argument("--host", default="127.0.0.1")
    node.add_argument("--port", type=int, default=8100)
    node.add_argument("--name", required=True)
    node.add_argument(
        "--capacity",
        type=int,
        metavar="STREAMS",
        help="broadcasts held at once (default: what the cores carry at 720p30)",
    )

    nodes = commands.add_parser("nodes", help="the registered media nodes")
    nodes.add_argument("--json", action="store_true")

    anonymize = commands.add_parser(
        "anonymize", help="cover every face but the allowed people's in a video or image"
    )
    anonymize.add_argument("input", type=Path)
    anonymize.add_argument("-o", "--output", type=Path, required=True)
    anonymize.add_argument(
        "--allow",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="one allowed person: a photo, or a folder of their photos "
        "(named after them); repeat for several people",
    )
    anonymize.add_argument("--mode", choices=MODES, default="except")
    anonymize.add_argument("--style", choices=STYLES, default="pixelate")
    anonymize.add_argument("--report", type=Path, metavar="REPORT.json")
    anonymize.add_argument(
        "--threads",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="detector threads (default: the cores this process may use, %(default)s here)",
    )

    bench = commands.add_parser(
        "bench", help="the engine benchmark (a source checkout's bench/), prints JSON"
    )
    bench.add_argument("--json", action="store_true", help="print only the JSON result")
    bench.add_argument("--seconds", type=float, default=10.0, help="length of the test scene")
    bench.add_argument("--no-deface", action="store_true", help="skip the deface anchor")

    args = parser.parse_args(argv)
    if args.command == "bench":
        return _bench(args)
    if args.command == "serve":
        from .server import serve as run_server

        run_server(args.host, args.port)
        return 0
    if args.command in ("web", "media-node", "nodes"):
        if getattr(args, "capacity", None) is not None and args.capacity < 1:
            parser.error("--capacity must be at least 1")
        return _cluster(args)
    return _anonymize(args)


def _cluster(args: argparse.Namespace) -> int:
    """The web tier, a media node, or the node list (DESIGN §6); a missing setting or an
    unreachable Redis is said in one line, not a traceback."""
    from django.core.exceptions import ImproperlyConfigured
    from redis import RedisError

    try:
        if args.command == "web":
            from .cluster.web import serve_web

            serve_web(args.host, args.port, args.workers)
        elif args.command == "media-node":
            from .cluster.mediaserver import serve_node

            serve_node(args.host, args.port, args.name, args.capacity)
        else:
            from .cluster.listing import list_nodes

            print(list_nodes(args.json))
    except (ImproperlyConfigured, RedisError) as error:
        print(f"ciasom {args.command}: {error}", file=sys.stderr)
        return 2
    return 0


def _bench(args: argparse.Namespace) -> int:
    """`bench/engine.py` of the checkout this package runs from: the harness (scene, photos,
    deface beside the engine) is the repository's, never installed with the package."""
    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "bench" / "engine.py").is_file():
        print("ciasom bench: needs the source checkout (bench/ is not installed)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(checkout))
    bench_main = importlib.import_module("bench.engine").main  # found at run time only

    bench_main(
        [*(["--json"] if args.json else []), "--seconds", str(args.seconds)]
        + (["--no-deface"] if args.no_deface else [])
    )
    return 0


def _anonymize(args: argparse.Namespace) -> int:
    from .anonymize import Options, UsageError, main_error, run

    if args.threads < 1:
        return main_error("--threads must be at least 1")
    options = Options(
        args.input,
        args.output,
        args.allow,
        EngineSettings(mode=args.mode, style=args.style),
        args.report,
        args.threads,
        progress=sys.stderr.isatty(),
    )
    try:
        report = run(options)
    except UsageError as error:
        return main_error(str(error))
    timing = report["timing"]
    print(
        f"{report['video']['frames']} frames written to {args.output} "
        f"({timing['frames_per_second']} frames/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
