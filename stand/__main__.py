"""`python -m stand up|down|run|faults|broker-up|broker-down|restart-broker` — see docs/stand.md."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from stand import control, faults
from stand.catalogue import catalogue_path
from stand.timing import StandTiming

OPTIONS = ("fault", "api", "stream_limit_s", "recordings")  # each passed to the child of `up` as STAND_<NAME>


def _catalogue(value: str) -> Path:
    try:
        return catalogue_path(value).resolve()
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_stand_options(parser: argparse.ArgumentParser, up: bool) -> None:
    parser.add_argument("--fault", choices=[f.name for f in faults.FAULTS], help="break exactly this one clause")
    parser.add_argument(
        "--api", choices=faults.SHAPES, help="the REST shape: both (default), task, or job (production)"
    )
    limit = f"gRPC stream limit in seconds (default {StandTiming().limit_s:g})"
    parser.add_argument("--stream-limit", dest="stream_limit_s", type=float, help=limit)
    parser.add_argument(
        "--catalogue",
        "--recordings",
        dest="recordings",
        type=_catalogue,
        help="recordings catalogue: default (stand/recordings.json), contract (the contract's table), continuous "
        "(hourly files with restarts and an outage), gapless, or a file",
    )
    parser.add_argument("--env-file", type=Path, required=up, help="write the FOCUS_*/STAND_* lines here")
    vhost = "live in a vhost of its own on the node that `broker-up` started (its env file), instead of a node"
    parser.add_argument("--broker-env", type=Path, help=vhost)


def _stand_env(args: argparse.Namespace) -> dict[str, str]:
    """Options → STAND_* variables: the child of `up` reads its settings (and secrets) there (an existing broker's
    too: STAND_AMQP_URL, STAND_RABBITMQ_API_URL/USER/PASSWORD)."""
    given = {name: getattr(args, name) for name in OPTIONS}
    return {f"STAND_{name.upper()}": str(value) for name, value in given.items() if value is not None}


def cmd_faults(args: argparse.Namespace) -> int:
    if args.json:
        print(faults.registry_json())
        return 0
    for fault in faults.FAULTS:
        slow = " (slow)" if fault.slow else ""
        only = "" if fault.applies_to("task") and fault.applies_to("job") else f" ({fault.apis[0]} API only)"
        print(f"{fault.name:24} {','.join(fault.clauses):16} {fault.description}{slow}{only}")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    child_env, vhost = _stand_env(args), None
    if args.broker_env is not None:
        vhost, shared = control.vhost_on_shared_broker(args.broker_env)
        child_env.update(shared)
    try:
        env = control.up(args.env_file, child_env, own_vhost=vhost)
    except control.StandFailed as exc:
        if vhost is not None:
            control.drop_vhost(control.read_env_file(args.broker_env), vhost)
        print(exc, file=sys.stderr)
        return 1
    said = f"api: {env['STAND_API']}; fault: {env['STAND_FAULT'] or 'none'}; env: {args.env_file}"
    print(f"stand up: {env['FOCUS_BASE_URL']} ({said})")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    control.down(args.env_file, args.keep_logs)
    print("stand down")
    return 0


def cmd_broker_up(args: argparse.Namespace) -> int:
    control.broker_up(args.env_file)  # one private node for many stands (`up --broker-env`), a vhost each
    print(f"broker up (env: {args.env_file})")
    return 0


def cmd_broker_down(args: argparse.Namespace) -> int:
    control.broker_down(args.env_file)
    print("broker down")
    return 0


def cmd_restart_broker(args: argparse.Namespace) -> int:
    """Restart the private broker's RabbitMQ application (every AMQP client is disconnected)."""
    from stand.broker import PrivateBroker

    values = control.read_env_file(args.env_file)
    broker_dir = Path(values["STAND_STATE_DIR"]) / "broker"
    PrivateBroker.attach(broker_dir, values["FOCUS_RABBITMQ_API_USER"], values["FOCUS_RABBITMQ_API_PASSWORD"]).restart()
    print("broker restarted")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """The stand in this process; SIGTERM or Ctrl-C stops it cleanly."""
    from stand.broker import BrokerStart, StandSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    logging.getLogger("pika").setLevel(logging.CRITICAL)  # connection losses are reported by the actors themselves
    os.environ.update(_stand_env(args))
    settings = StandSettings()
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="focus-stand-"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    broker = BrokerStart(settings, state_dir / "broker")  # boots while the heavy imports below run

    from stand.app import Stand

    stand = Stand(settings, state_dir)
    try:
        env = stand.start(broker)
        for path in {args.ready_file, args.env_file} - {None}:
            control.write_env_file(path, env)
        while not stop.wait(StandTiming.poll_s):  # a signal's handler runs between two waits
            pass
    except Exception:
        logging.getLogger("stand").exception("the stand failed")
        return 1
    finally:
        stand.broker = stand.broker or broker.private  # stopped even when the start failed half-way
        stand.stop()
        if args.state_dir is None:
            shutil.rmtree(state_dir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stand", description="The embedded Focus Server stand")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, what in [
        ("up", cmd_up, "start a stand in the background; returns once everything answers"),
        ("run", cmd_run, "run a stand in the foreground with logs (Ctrl-C stops it)"),
    ]:
        p = sub.add_parser(name, help=what)
        _add_stand_options(p, up=name == "up")
        p.set_defaults(func=func)
    p.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)

    p = sub.add_parser("faults", help="list the fault switches")
    p.add_argument("--json", action="store_true", help="the registry as JSON (for the mutation tool)")
    p.set_defaults(func=cmd_faults)

    for name, func, what in [
        ("down", cmd_down, "stop what `up` started"),
        ("broker-up", cmd_broker_up, "start one private broker for several stands (`up --broker-env`)"),
        ("broker-down", cmd_broker_down, "stop the broker that `broker-up` started"),
        ("restart-broker", cmd_restart_broker, "restart the private broker of a stand started by `up`"),
    ]:
        p = sub.add_parser(name, help=what)
        p.add_argument("--env-file", type=Path, required=True)
        p.set_defaults(func=func)
        if name == "down":
            p.add_argument("--keep-logs", type=Path, help="copy the stand's log into this directory first")

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
